// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// vsvm-run and vsvm-stat on the device.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "device_fixture.h"
#include "program_run.h"
#include "vsvm/runtime.h"

namespace vsvm::test {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;

const std::string kKernels = VSVM_KERNELS_DIR;

TEST_F(VsvmDeviceTest, VsvmRunRunsSaxpyAndPrintsTheResult)
{
    ProgramRun run = runProgram("vsvm-run " + kKernels + "/saxpy.vsa --groups 4 --lanes 256 --buf x=4K:f32=1 "
                                "--buf y=4K:f32=2 --arg x --arg y --arg 1024 --arg 3.0 --print y:f32:4");
    EXPECT_EQ(run.exitStatus, 0) << run.output;
    EXPECT_THAT(run.output, HasSubstr("grid: 4x1x1 workgroups of 256x1x1 lanes, 4 arguments, 1 job\n"));
    EXPECT_THAT(run.output, HasSubstr("jobs: 1 ok in "));
    EXPECT_THAT(run.output, HasSubstr("y (f32[1024]): 5 5 5 5 ... (1020 more)\n"));
    EXPECT_THAT(run.output, ContainsRegex("vm counters: faults [1-9][0-9]*, faults_fatal 0"));
}

TEST_F(VsvmDeviceTest, VsvmRunReportsAFaultInItsBuffer)
{
    ProgramRun run = runProgram("vsvm-run " + kKernels + "/saxpy.vsa --groups 1 --lanes 16 --buf x=4K "
                                "--buf y=4K --protect x=none --arg x+8 --arg y --arg 16 --arg 1.0 --print x");
    EXPECT_EQ(run.exitStatus, 1) << run.output;
    EXPECT_THAT(run.output, ContainsRegex("job 1 of 1: fault: read at 0x[0-9a-f]+ \\(pc 0x[0-9a-f]+, command 0\\) "
                                          "\\(buffer 'x' \\+ 0x8\\)"));
    EXPECT_THAT(run.output, HasSubstr("  the instruction at pc 0x30: v_load_u32 v10, v8\n"));
    EXPECT_THAT(run.output, HasSubstr("x: not readable"));
    EXPECT_THAT(run.output, HasSubstr("faults_fatal 1"));
}

TEST_F(VsvmDeviceTest, VsvmRunWritesIntoAMappedFile)
{
    // y = 2 * x + y with x read from one file and y mapped shared from
    // another: the device's stores land in the file's pages.
    auto dir = std::filesystem::temp_directory_path();
    std::string xPath = dir / "vsvm-run-x.bin", yPath = dir / "vsvm-run-y.bin";
    std::vector<float> x(1000), y(1000, 1.0f);
    for (std::size_t i = 0; i < x.size(); i++)
        x[i] = static_cast<float>(i);
    std::ofstream(xPath, std::ios::binary).write(reinterpret_cast<const char*>(x.data()), 4000);
    std::ofstream(yPath, std::ios::binary).write(reinterpret_cast<const char*>(y.data()), 4000);

    ProgramRun run = runProgram("vsvm-run " + kKernels + "/saxpy.vsa --groups 4 --lanes 256 --file x=" + xPath +
                                " --file y=" + yPath + ":rw --arg x --arg y --arg 1000 --arg 2.0");
    EXPECT_EQ(run.exitStatus, 0) << run.output;

    std::vector<float> written(1000);
    std::ifstream(yPath, std::ios::binary).read(reinterpret_cast<char*>(written.data()), 4000);
    for (std::size_t i = 0; i < written.size(); i++)
        ASSERT_EQ(written[i], 2.0f * static_cast<float>(i) + 1.0f) << "element " << i;
    std::filesystem::remove(xPath);
    std::filesystem::remove(yPath);
}

TEST_F(VsvmDeviceTest, VsvmRunSplitsAGridIntoJobs)
{
    // out[global index] = global index; the x index of the job's first
    // workgroup comes in s1 (--split's argument).
    std::string kernel = std::filesystem::temp_directory_path() / "vsvm-split-test.vsa";
    std::ofstream(kernel) << "    s_mul s2, s1, s19\n"
                             "    v_add_u64 v7, v0, s2\n"
                             "    v_shl_b64 v8, v7, 2\n"
                             "    v_add_u64 v8, v8, s0\n"
                             "    v_store_b32 v8, v7\n"
                             "    s_endpgm\n";
    ProgramRun run = runProgram("vsvm-run " + kernel + " --groups 8 --lanes 16 --split 3 --iterations 2 "
                                "--progress --buf out=512:fill=0xffffffffffffffff --arg out --print out:u32:128");
    std::filesystem::remove(kernel);
    EXPECT_EQ(run.exitStatus, 0) << run.output;
    EXPECT_THAT(run.output, HasSubstr("1 arguments, 6 jobs\n"));
    EXPECT_THAT(run.output, ContainsRegex("\\[#+\\] 6/6 jobs"));
    std::string expected = "out (u32[128]):";
    for (int i = 0; i < 128; i++)
        expected += fmt::format(" {}", i);
    EXPECT_THAT(run.output, HasSubstr(expected + "\n"));
}

TEST_F(VsvmDeviceTest, VsvmStatListsThisProcesssVm)
{
    auto device = Device::open(0);
    ASSERT_TRUE(device) << device.status().message();
    auto vm = Vm::create(*device);
    ASSERT_TRUE(vm) << vm.status().message();
    uint32_t value = 0;
    auto kernel = Kernel::fromAssembly("v_mov v7, s0\nv_store_b32 v7, v0\ns_endpgm\n");
    ASSERT_TRUE(kernel) << kernel.status().message();
    auto job = ComputeQueue(*vm).launch(*kernel, {1}, {1}, &value);
    ASSERT_TRUE(job) << job.status().message();
    auto result = job->wait();
    ASSERT_TRUE(result && result->ok());

    ProgramRun run = runProgram("vsvm-stat --json");
    ASSERT_EQ(run.exitStatus, 0) << run.output;
    nlohmann::json json = nlohmann::json::parse(run.output);
    bool found = false;
    for (const auto& vmJson : json["devices"][0]["vms"]) {
        if (vmJson["pid"] == getpid() && vmJson["id"] == vm->id()) {
            found = true;
            EXPECT_EQ(vmJson["comm"], "vsvm_device_tes"); // TASK_COMM_LEN - 1 characters
            EXPECT_GE(vmJson["counters"]["faults"].get<uint64_t>(), 1u);
        }
    }
    EXPECT_TRUE(found) << run.output;

    ProgramRun once = runProgram("vsvm-stat --once");
    EXPECT_EQ(once.exitStatus, 0) << once.output;
    EXPECT_THAT(once.output, ContainsRegex(fmt::format("\n +{} +{} vsvm_device_tes ", vm->id(), getpid())));
}

} // namespace
} // namespace vsvm::test
