// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cassert>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace vsvm {

struct JobResult;

/**
 * Outcome of an operation: success, or an errno value with what happened.
 * Errors are values rather than exceptions so that no exception crosses the
 * API; errno is the vocabulary because every failure of a driver call ends up
 * as one.
 *
 * Two kinds of failure: fromErrno() for a call whose errno is the reason
 * ("open /dev/dri/renderD128" + ": Permission denied"), error() for a failure
 * this library explains in full itself, whose message gets no strerror text
 * (a made-up EINVAL would only add a misleading "Invalid argument"). A job
 * that ended badly (Fence::waitOk()) carries its JobResult: job().
 *
 * Thread safety: a value; const access from any number of threads.
 */
class [[nodiscard]] Status {
public:
    /// Success.
    Status() = default;

    /// A failure whose reason is @p errnum (positive; EIO if it is not),
    /// in @p context: message() is "context: strerror(errnum)".
    static Status fromErrno(int errnum, std::string context);

    /// A failure that @p message explains in full; @p errnum (EIO if it is
    /// not positive) classifies it for programs. message() is @p message.
    static Status error(int errnum, std::string message);

    /// A job that did not end well: the errno of its status (EFAULT for a
    /// fault, ENOEXEC for an invalid program, ETIMEDOUT for a job stopped at
    /// the job timeout, ECANCELED, ESRCH, ENOMEM, EAGAIN for RETRIES, EIO for
    /// an unknown status), the message "context: " + result.describe(), and
    /// the result itself in job(). Defined with JobResult (vsvm/fence.h).
    static Status jobFailed(const JobResult& result, std::string_view context);

    bool ok() const { return errnum_ == 0; }

    /// The positive errno value, 0 on success.
    int errnum() const { return errnum_; }

    /// What failed ("open /dev/dri/renderD128"), or the whole message of error().
    const std::string& context() const { return context_; }

    /// For a person: "context: strerror(errnum)", the message of error(), or "success".
    std::string message() const;

    /// The job that failed, when this status comes from one; else nullptr.
    const JobResult* job() const { return job_.get(); }

    /// The same error with @p outer prepended ("outer: context").
    Status withContext(std::string_view outer) const;

private:
    int errnum_ = 0;
    bool explained_ = false; // error(): no strerror text in message()
    std::string context_;
    std::shared_ptr<const JobResult> job_;
};

namespace detail {
[[noreturn]] void abortOnMissingValue(const Status& status);
}

/**
 * A value of type T, or the Status explaining why there is none: a small
 * stand-in for C++23's std::expected<T, Status>, which g++ 12 lacks.
 * Reading the value of a failed Result is a programming error and aborts.
 *
 * Thread safety: as T; a value otherwise.
 */
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : value_(std::move(value)) {}

    Result(Status error) : status_(std::move(error))
    {
        assert(!status_.ok() && "a Result without a value needs an error");
    }

    bool ok() const { return value_.has_value(); }
    explicit operator bool() const { return ok(); }

    /// The error; a success Status when there is a value.
    const Status& status() const { return status_; }

    T& value() &
    {
        checkValue();
        return *value_;
    }
    const T& value() const&
    {
        checkValue();
        return *value_;
    }
    T&& value() &&
    {
        checkValue();
        return std::move(*value_);
    }

    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

private:
    void checkValue() const
    {
        if (!value_)
            detail::abortOnMissingValue(status_);
    }

    std::optional<T> value_;
    Status status_;
};

} // namespace vsvm
