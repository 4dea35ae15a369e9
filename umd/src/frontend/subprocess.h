// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "vsvm/status.h"

namespace vsvm::frontend::detail {

/**
 * A private directory (mode 0700) under $TMPDIR or /tmp, removed with
 * everything in it when the object goes. Private so that the compilers'
 * temporary files cannot be read or replaced by other users.
 */
class TempDir {
public:
    static Result<TempDir> create();

    TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
    TempDir& operator=(TempDir&&) = delete;
    TempDir(const TempDir&) = delete;
    ~TempDir();

    const std::filesystem::path& path() const { return path_; }

private:
    explicit TempDir(std::filesystem::path path) : path_(std::move(path)) {}
    std::filesystem::path path_;
};

/// @p program itself when it contains a '/', else the first executable
/// PATH entry of that name; ENOENT (naming @p package) if there is none.
Result<std::string> findProgram(const std::string& program, std::string_view package);

struct ProcessResult {
    int exitStatus = 0;  ///< the exit status, or 128 + signal number
    std::string output;  ///< stdout and stderr together, as written
};

/// Run @p argv (argv[0] a path) with posix_spawn, stdin from /dev/null and
/// stdout+stderr to a file in @p dir, and wait for it.
Result<ProcessResult> runProcess(const std::vector<std::string>& argv, const std::filesystem::path& dir);

Status writeFile(const std::filesystem::path& path, std::string_view data);
Result<std::string> readFile(const std::filesystem::path& path);

} // namespace vsvm::frontend::detail
