// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "vsvm/status.h"

#include <cerrno>
#include <cstdlib>
#include <system_error>

#include <fmt/format.h>

namespace vsvm {

Status Status::fromErrno(int errnum, std::string context)
{
    Status status;
    // A failure must never read as success, whatever errno the caller found.
    status.errnum_ = errnum > 0 ? errnum : EIO;
    status.context_ = std::move(context);
    return status;
}

Status Status::error(int errnum, std::string message)
{
    Status status = fromErrno(errnum, std::move(message));
    status.explained_ = true;
    return status;
}

std::string Status::message() const
{
    if (ok())
        return "success";
    if (explained_)
        return context_;
    // std::generic_category() is the thread-safe strerror().
    std::string reason = std::generic_category().message(errnum_);
    return context_.empty() ? reason : fmt::format("{}: {}", context_, reason);
}

Status Status::withContext(std::string_view outer) const
{
    if (ok())
        return *this;
    Status status = *this;
    status.context_ = context_.empty() ? std::string(outer) : fmt::format("{}: {}", outer, context_);
    return status;
}

namespace detail {

void abortOnMissingValue(const Status& status)
{
    fmt::print(stderr, "vsvm: value of a failed Result read ({})\n", status.message());
    std::abort();
}

} // namespace detail
} // namespace vsvm
