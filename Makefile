# Every command a developer or CI needs; `make help` lists them.
VENV      ?= .venv
PYTHON    := $(VENV)/bin/python
BUILD     ?= build
JOBS      ?= 2
CMAKE     := $(VENV)/bin/cmake
CTEST     := $(abspath $(VENV))/bin/ctest
CMAKE_GEN := -G Ninja -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV))/bin/ninja
CXX_FILES := $(shell find include src python/bindings tests/cpp examples/cpp benchmarks/cpp \
               -name '*.hpp' -o -name '*.cpp' 2>/dev/null)

.PHONY: help setup report test test-cpp test-cpp-noomp test-cpp-sanitize test-example \
        test-python bench lint format clean

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

setup: ## install Debian and PyPI dependencies, build and install crmmine into .venv
	bash tools/setup.sh

report: setup ## the main job: the CRM report on the bundled Online Retail sample
	$(PYTHON) -m crmmine report

test: setup lint test-cpp test-cpp-noomp test-cpp-sanitize test-example test-python ## every test

test-cpp: ## doctest suite through ctest (OpenMP build)
	$(CMAKE) -S . -B $(BUILD)/cpp $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DCRMMINE_BUILD_TESTS=ON
	$(CMAKE) --build $(BUILD)/cpp -j $(JOBS)
	cd $(BUILD)/cpp && $(CTEST) --output-on-failure -j $(JOBS)

test-cpp-noomp: ## the doctest suite built without OpenMP
	$(CMAKE) -S . -B $(BUILD)/cpp-noomp $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release \
	  -DCRMMINE_BUILD_TESTS=ON -DCRMMINE_USE_OPENMP=OFF
	$(CMAKE) --build $(BUILD)/cpp-noomp -j $(JOBS)
	cd $(BUILD)/cpp-noomp && $(CTEST) --output-on-failure -j $(JOBS)

test-cpp-sanitize: ## the doctest suite under AddressSanitizer and UBSan
	$(CMAKE) -S . -B $(BUILD)/cpp-asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug \
	  -DCRMMINE_BUILD_TESTS=ON -DCRMMINE_SANITIZE=ON
	$(CMAKE) --build $(BUILD)/cpp-asan -j $(JOBS)
	cd $(BUILD)/cpp-asan && $(CTEST) --output-on-failure -j $(JOBS)

test-example: test-cpp ## install the library, then build and run examples/cpp against it
	rm -rf $(BUILD)/install $(BUILD)/example
	$(CMAKE) --install $(BUILD)/cpp --prefix $(BUILD)/install
	$(CMAKE) -S examples/cpp -B $(BUILD)/example $(CMAKE_GEN) \
	  -DCMAKE_PREFIX_PATH=$(abspath $(BUILD))/install
	$(CMAKE) --build $(BUILD)/example
	$(BUILD)/example/rfm_segments
	$(BUILD)/example/kmeans_clusters

test-python: ## pytest, then the docstring examples of the installed package
	$(PYTHON) -m pytest
	$(PYTHON) -m pytest -p no:cacheprovider --doctest-modules --pyargs crmmine

bench: ## the benchmark suite; writes benchmarks/results/*.md
	$(PYTHON) benchmarks/run.py

lint: ## ruff, clang-format and the OpenMP num_threads rule
	$(VENV)/bin/ruff check python tests/python benchmarks tools
	$(VENV)/bin/ruff format --check python tests/python benchmarks tools
	clang-format --dry-run -Werror $(CXX_FILES)
	$(PYTHON) tools/check_omp_pragmas.py

format: ## apply ruff format and clang-format
	$(VENV)/bin/ruff format python tests/python benchmarks tools
	$(VENV)/bin/ruff check --fix python tests/python benchmarks tools
	clang-format -i $(CXX_FILES)

clean:
	rm -rf $(BUILD)
