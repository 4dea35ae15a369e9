// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The example programs, run at small sizes: each checks its device results
// against the CPU and exits non-zero on a mismatch. They sit next to this
// binary (build/umd/bin).

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "device_fixture.h"

namespace vsvm::test {
namespace {

using ::testing::ContainsRegex;

struct ProgramRun {
    int exitStatus = -1;
    std::string output;
};

ProgramRun runExample(const std::string& commandLine)
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

TEST_F(VsvmDeviceTest, SaxpyExampleIsRightOnTwoJobs)
{
    ProgramRun run = runExample("saxpy --mib 2");
    EXPECT_EQ(run.exitStatus, 0) << run.output;
    EXPECT_THAT(run.output, ContainsRegex("saxpy: 524288 elements .*, ok \\(0 wrong\\), .* ms on the device "
                                          "\\(2 jobs\\)"));
    // The device faulted the arrays in, and free() unmapped them.
    EXPECT_THAT(run.output, ContainsRegex("device page faults [1-9][0-9]*"));
    EXPECT_THAT(run.output, ContainsRegex("after free\\(\\): invalidations [1-9][0-9]* \\(unmap [1-9]"));
}

TEST_F(VsvmDeviceTest, ListSumExampleIsRight)
{
    // 100 lists: the last workgroup has lanes without a list.
    ProgramRun run = runExample("list_sum --lists 100 --length 50");
    EXPECT_EQ(run.exitStatus, 0) << run.output;
    EXPECT_THAT(run.output, ContainsRegex("list_sum: 100 lists of 50 malloc'd nodes, ok \\(0 wrong\\)"));
}

TEST_F(VsvmDeviceTest, HistogramExampleIsRight)
{
    ProgramRun run = runExample("histogram --mib 1");
    EXPECT_EQ(run.exitStatus, 0) << run.output;
    EXPECT_THAT(run.output, ContainsRegex("histogram: 1048576 bytes .* ok \\(0 counters wrong\\)"));
}

} // namespace
} // namespace vsvm::test
