// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

// The C API's internals that the unit tests reach: a device handle over a
// Device opened on a mocked os::Os.

#include "vsvm/device.h"
#include "vsvm/vsvm.h"

namespace vsvm::capi {

/// A handle owning @p device; nullptr when out of memory.
vsvm_device* wrapDevice(Device device);

} // namespace vsvm::capi
