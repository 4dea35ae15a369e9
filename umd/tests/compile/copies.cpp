// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Copies of the objects that own something of the kernel's (a render node, a
// VM, a syncobj, a code mapping) must not compile: two owners would destroy
// it twice. Moves compile (VSVM_CASE undefined).

#include <utility>

#include "vsvm/runtime.h"

void copyOrMove([[maybe_unused]] vsvm::Device& device, [[maybe_unused]] vsvm::Vm& vm,
                [[maybe_unused]] vsvm::Fence& fence, [[maybe_unused]] vsvm::Kernel& kernel,
                [[maybe_unused]] vsvm::ComputeQueue& queue)
{
#if !defined(VSVM_CASE)
    vsvm::Device movedDevice = std::move(device);
    vsvm::Vm movedVm = std::move(vm);
    vsvm::Fence movedFence = std::move(fence);
    vsvm::Kernel movedKernel = std::move(kernel);
    vsvm::ComputeQueue movedQueue = std::move(queue);
#elif VSVM_CASE == 1
    vsvm::Vm copy = vm;
#elif VSVM_CASE == 2
    vsvm::Fence copy = fence;
#elif VSVM_CASE == 3
    vsvm::ComputeQueue copy = queue;
#elif VSVM_CASE == 4
    vsvm::Device copy = device;
#elif VSVM_CASE == 5
    vsvm::Kernel copy = kernel;
#endif
}
