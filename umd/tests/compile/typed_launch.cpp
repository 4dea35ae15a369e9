// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Launches of a TypedKernel that must not compile (tests/compile/CMakeLists.txt
// builds this file once per VSVM_CASE, and once with VSVM_CASE undefined: the
// right call, which must compile, so that a failure can only be the misuse's).

#include <cstdint>

#include "vsvm/runtime.h"

using Saxpy = vsvm::TypedKernel<const float*, float*, uint32_t, float>;

vsvm::Result<vsvm::Fence> launch(const vsvm::ComputeQueue& queue, const Saxpy& saxpy, const float* x,
                                 [[maybe_unused]] float* y)
{
    [[maybe_unused]] uint32_t n = 1024;
    [[maybe_unused]] uint64_t wide = 1024;
    [[maybe_unused]] int* ints = nullptr;
#if !defined(VSVM_CASE)
    return queue.launch(saxpy, {4}, {256}, x, y, n, 2.0f);
#elif VSVM_CASE == 1 // a double for a float parameter
    return queue.launch(saxpy, {4}, {256}, x, y, n, 2.0);
#elif VSVM_CASE == 2 // an argument missing
    return queue.launch(saxpy, {4}, {256}, x, y, n);
#elif VSVM_CASE == 3 // one argument too many
    return queue.launch(saxpy, {4}, {256}, x, y, n, 2.0f, 1);
#elif VSVM_CASE == 4 // a 64-bit integer for a uint32_t
    return queue.launch(saxpy, {4}, {256}, x, y, wide, 2.0f);
#elif VSVM_CASE == 5 // a pointer to another type
    return queue.launch(saxpy, {4}, {256}, x, ints, n, 2.0f);
#elif VSVM_CASE == 6 // a value that is no kernel argument at all, to a plain Kernel
    struct Pair {
        int a, b;
    };
    return queue.launch(saxpy.kernel(), {4}, {256}, Pair{1, 2});
#endif
}
