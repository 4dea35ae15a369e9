// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The example programs, run at small sizes: each checks its device results
// against the CPU and exits non-zero on a mismatch.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "device_fixture.h"
#include "program_run.h"

namespace vsvm::test {
namespace {

using ::testing::ContainsRegex;

TEST_F(VsvmDeviceTest, SaxpyExampleIsRightOnTwoJobs)
{
    ProgramRun run = runProgram("saxpy --mib 2");
    EXPECT_EQ(run.exitStatus, 0) << run.output;
    EXPECT_THAT(run.output, ContainsRegex("saxpy: 524288 elements .*, ok \\(0 wrong\\), .* ms on the device "
                                          "\\(2 jobs\\)"));
    // Progress: a line as each job ends.
    EXPECT_THAT(run.output, ContainsRegex("saxpy: job 1/2 done, [0-9.]+ s"));
    EXPECT_THAT(run.output, ContainsRegex("saxpy: job 2/2 done, [0-9.]+ s"));
    // The device faulted the arrays in, and free() unmapped them.
    EXPECT_THAT(run.output, ContainsRegex("device page faults [1-9][0-9]*"));
    EXPECT_THAT(run.output, ContainsRegex("after free\\(\\): invalidations [1-9][0-9]* \\(unmap [1-9]"));
}

TEST_F(VsvmDeviceTest, ListSumExampleIsRight)
{
    // 100 lists: the last workgroup has lanes without a list.
    ProgramRun run = runProgram("list_sum --lists 100 --length 50");
    EXPECT_EQ(run.exitStatus, 0) << run.output;
    EXPECT_THAT(run.output, ContainsRegex("list_sum: 100 lists of 50 malloc'd nodes, ok \\(0 wrong\\)"));
}

// The same examples with their kernel in a standard language, compiled in
// the test (front end, vsvm-cc's back end) and run on malloc'd memory.
TEST_F(VsvmDeviceTest, SaxpyExampleInGlslIsRight)
{
    ProgramRun run = runProgram("saxpy --mib 1 --lang glsl");
    EXPECT_EQ(run.exitStatus, 0) << run.output;
    EXPECT_THAT(run.output, ContainsRegex("saxpy: compiled .*/saxpy.comp \\(glsl\\) to [0-9]+ ISA v2 instructions"));
    EXPECT_THAT(run.output, ContainsRegex("saxpy: 262144 elements .*, ok \\(0 wrong\\)"));
}

TEST_F(VsvmDeviceTest, ListSumExampleInOpenclCIsRight)
{
    ProgramRun run = runProgram("list_sum --lists 100 --length 50 --lang opencl");
    EXPECT_EQ(run.exitStatus, 0) << run.output;
    EXPECT_THAT(run.output, ContainsRegex("list_sum: compiled .*/list_sum.cl \\(opencl\\)"));
    EXPECT_THAT(run.output, ContainsRegex("list_sum: 100 lists of 50 malloc'd nodes, ok \\(0 wrong\\)"));
}

TEST_F(VsvmDeviceTest, HistogramExampleIsRight)
{
    ProgramRun run = runProgram("histogram --mib 1");
    EXPECT_EQ(run.exitStatus, 0) << run.output;
    EXPECT_THAT(run.output, ContainsRegex("histogram: 1048576 bytes .* ok \\(0 counters wrong\\)"));
}

} // namespace
} // namespace vsvm::test
