// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <string>

#include "vsvm/status.h"

namespace vsvm {

/**
 * Sole owner of a file descriptor: closes it exactly once, on destruction or
 * reset(). Move-only, so ownership is always visible in the code.
 *
 * Thread safety: get() and valid() from any number of threads; reset(),
 * release(), moving and destroying need exclusive access.
 */
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    ~UniqueFd() { reset(); }

    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept
    {
        if (this != &other)
            reset(other.release());
        return *this;
    }

    /// Opens @p path read-write with O_CLOEXEC, so the descriptor does not
    /// leak into programs this process executes.
    static Result<UniqueFd> open(const std::string& path);

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    explicit operator bool() const { return valid(); }

    /// Gives up ownership without closing; returns the descriptor.
    int release() noexcept
    {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }

    /// Closes the owned descriptor, if any, and takes ownership of @p fd.
    void reset(int fd = -1) noexcept;

private:
    int fd_ = -1;
};

} // namespace vsvm
