// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

// The runtime in one include: Device -> Vm -> CopyQueue/ComputeQueue ->
// Fence -> JobResult, and Kernel for the compute engines.
#include "vsvm/device.h"
#include "vsvm/kernel.h"
#include "vsvm/queue.h"
#include "vsvm/status.h"
#include "vsvm/vm.h"
