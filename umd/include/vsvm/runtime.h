// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

// The runtime in one include: Device -> Vm -> CopyQueue/ComputeQueue ->
// Fence -> JobResult, and Kernel (with its KernelSignature, and TypedKernel)
// for the compute engines. docs/libvsvm.rst is the guide; vsvm/vsvm.h is
// the C API.
#include "vsvm/device.h"
#include "vsvm/fence.h"
#include "vsvm/kernel.h"
#include "vsvm/kernel_signature.h"
#include "vsvm/queue.h"
#include "vsvm/status.h"
#include "vsvm/vm.h"
