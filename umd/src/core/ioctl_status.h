// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <string>

#include "vsvm/status.h"

namespace vsvm::detail {

/// The Status of an os::Os ioctl method's return value (0 or -errno).
inline Status ioctlStatus(int ret, std::string what)
{
    if (ret < 0)
        return Status::fromErrno(-ret, std::move(what));
    return {};
}

} // namespace vsvm::detail
