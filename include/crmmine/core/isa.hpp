// The instruction sets a kernel compiled for several targets may run on, checked once
// per process. The library is built for baseline x86-64; hot loops are compiled again
// under a target attribute and picked at run time, so one binary runs everywhere and
// uses AVX2 or AVX-512 where the processor has them.
#pragma once

#if defined(__GNUC__) && defined(__x86_64__)
#define CRMMINE_ISA_DISPATCH 1
// Compiles a function, and all it calls, again for AVX2 (the caller checks
// isa_level() >= 1). FMA stays off, so no product and sum are fused: the copy rounds
// every operation as the baseline build does and gives the same bits.
#define CRMMINE_AVX2_SAME_BITS __attribute__((target("avx2"), flatten))
#endif

namespace crmmine::detail {

// 2: AVX-512 (F, DQ, VL); 1: AVX2 with FMA; 0: baseline.
inline int isa_level() {
#ifdef CRMMINE_ISA_DISPATCH
    static const int level =
        __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                __builtin_cpu_supports("avx512vl")
            ? 2
        : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1
                                                                          : 0;
    return level;
#else
    return 0;
#endif
}

}  // namespace crmmine::detail
