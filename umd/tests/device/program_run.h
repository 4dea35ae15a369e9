// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace vsvm::test {

/// What a program printed (stdout and stderr) and its exit status.
struct ProgramRun {
    int exitStatus = -1;
    std::string output;
};

/// Runs @p commandLine, whose program sits next to this test binary
/// (build/umd/bin), through the shell.
inline ProgramRun runProgram(const std::string& commandLine)
{
    std::filesystem::path bin = std::filesystem::read_symlink("/proc/self/exe").parent_path();
    std::string command = (bin / commandLine).string() + " 2>&1";
    ProgramRun run;
    std::FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) {
        ADD_FAILURE() << "cannot run " << command;
        return run;
    }
    std::array<char, 4096> buffer;
    while (std::fgets(buffer.data(), buffer.size(), pipe))
        run.output += buffer.data();
    int status = pclose(pipe);
    run.exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

} // namespace vsvm::test
