// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "vsvm/unique_fd.h"

#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

namespace vsvm {

Result<UniqueFd> UniqueFd::open(const std::string& path)
{
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return Status::fromErrno(errno, "open " + path);
    return UniqueFd(fd);
}

void UniqueFd::reset(int fd) noexcept
{
    // Linux releases the descriptor even when close() fails, EINTR included,
    // so a failed close is never retried: that could close someone else's fd.
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = fd;
}

} // namespace vsvm
