// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace vsvm {

/**
 * Outcome of an operation: success, or an errno value with the context it
 * happened in ("open /dev/dri/renderD128"). Errors are values rather than
 * exceptions so that no exception crosses the API; errno is the vocabulary
 * because every failure of a driver call ends up as one.
 */
class [[nodiscard]] Status {
public:
    /// Success.
    Status() = default;

    /// A failure; @p errnum is a positive errno value (EIO if it is not).
    static Status fromErrno(int errnum, std::string context);

    bool ok() const { return errnum_ == 0; }

    /// The positive errno value, 0 on success.
    int errnum() const { return errnum_; }

    const std::string& context() const { return context_; }

    /// "context: strerror(errnum)", or "success".
    std::string message() const;

    /// The same error with @p outer prepended to the context ("outer: context").
    Status withContext(std::string_view outer) const;

private:
    int errnum_ = 0;
    std::string context_;
};

namespace detail {
[[noreturn]] void abortOnMissingValue(const Status& status);
}

/**
 * A value of type T, or the Status explaining why there is none: a small
 * stand-in for C++23's std::expected<T, Status>, which g++ 12 lacks.
 * Reading the value of a failed Result is a programming error and aborts.
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
