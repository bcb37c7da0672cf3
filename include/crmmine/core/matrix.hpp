// Row-major dense matrices, the layout of numpy arrays, so Python data reaches the
// kernels through Eigen::Ref without a copy.
#pragma once

#include <Eigen/Core>

namespace crmmine {

template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

}  // namespace crmmine
