// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// libvsvm's guarantees against a loaded vsvm driver: typed launches,
// fail-fast waits, outcomes kept past the kernel's window, finish(),
// dispatchSplit(), lifetimes, and the C API.

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "device_fixture.h"
#include "mapping.h"
#include "vsvm/runtime.h"
#include "vsvm/vsvm.h"

namespace vsvm::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

std::string exampleKernel(const std::string& name)
{
    std::ifstream file(std::string(VSVM_KERNELS_DIR) + "/" + name + ".vsa");
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

/// Loads s0[0] (a read) in lane 0.
constexpr const char* kLoad = ".args ptr at\nv_mov v7, s0\nv_load_u32 v8, v7\ns_endpgm\n";

/// Stores s1 to s0[0] in lane 0.
constexpr const char* kStore = ".args ptr at, u32 value\nv_mov v7, s0\nv_mov v8, s1\nv_store_b32 v7, v8\ns_endpgm\n";

/// Spins until the 32-bit word at s0 is non-zero.
constexpr const char* kSpin = ".args ptr flag\nv_mov v7, s0\nloop:\nv_load_u32 v8, v7\n"
                              "v_cmp_eq_u32 exec, v8, 0\ns_cbranch_execnz loop\ns_endpgm\n";

/// out[global id + first * group size] = that index; first is the x index
/// of the job's first workgroup (dispatchSplit()'s argument).
constexpr const char* kSplitIota = ".args ptr out, u32 first\n"
                                   "    s_mul s2, s1, s19\n"
                                   "    v_add_u64 v7, v0, s2\n"
                                   "    v_shl_b64 v8, v7, 2\n"
                                   "    v_add_u64 v8, v8, s0\n"
                                   "    v_store_b32 v8, v7\n"
                                   "    s_endpgm\n";

Kernel kernelOf(const std::string& source)
{
    auto kernel = Kernel::fromAssembly(source);
    EXPECT_TRUE(kernel) << kernel.status().message();
    return std::move(kernel).value();
}

using LibraryTest = VsvmVmTest;

TEST_F(LibraryTest, TypedLaunchesRunAndMisfitsNeverReachTheDevice)
{
    using Saxpy = TypedKernel<const float*, float*, uint32_t, float>;
    auto saxpy = Saxpy::fromAssembly(exampleKernel("saxpy"));
    ASSERT_TRUE(saxpy) << saxpy.status().message();
    std::vector<float> x(1000, 1.0f), y(1000, 2.0f);
    ComputeQueue queue(*vm_);

    auto fence = queue.launch(*saxpy, {4}, {256}, x.data(), y.data(), 1000, 3.0f);
    ASSERT_TRUE(fence) << fence.status().message();
    ASSERT_TRUE(fence->waitOk(30s).ok());
    EXPECT_EQ(y[999], 5.0f);

    // The same kernel untyped: a double is refused at the call, y untouched.
    auto refused = queue.launch(saxpy->kernel(), {4}, {256}, x.data(), y.data(), 1000u, 3.0);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.status().errnum(), EINVAL);
    EXPECT_TRUE(queue.finish(30s).ok());
    EXPECT_EQ(y[0], 5.0f);
}

TEST_F(LibraryTest, WaitOkReportsAFaultWithItsAddress)
{
    Mapping forbidden(kPage, PROT_NONE);
    Kernel load = kernelOf(kLoad);
    uint8_t* address = forbidden.data() + 0x40;

    auto fence = ComputeQueue(*vm_).launch(load, {1}, {1}, address);
    ASSERT_TRUE(fence) << fence.status().message();
    Status status = fence->waitOk(30s);

    EXPECT_EQ(status.errnum(), EFAULT) << status.message();
    ASSERT_NE(status.job(), nullptr);
    EXPECT_EQ(status.job()->faultAddress, reinterpret_cast<uintptr_t>(address));
    EXPECT_EQ(status.job()->faultAccess, Access::Read);
    EXPECT_EQ(status.job()->pc, 8u);
    EXPECT_THAT(status.message(), HasSubstr("fault: read at 0x"));
}

TEST_F(LibraryTest, PollingARunningJobIsNotYet)
{
    Mapping flag(kPage);
    Kernel spin = kernelOf(kSpin);
    auto fence = ComputeQueue(*vm_).launch(spin, {1}, {1}, flag.data());
    ASSERT_TRUE(fence) << fence.status().message();

    auto running = fence->pollOk();
    ASSERT_TRUE(running) << running.status().message();
    EXPECT_FALSE(*running);
    std::atomic_ref<uint32_t>(*flag.as<uint32_t>()).store(1);
    EXPECT_TRUE(fence->waitOk(30s).ok());
    EXPECT_TRUE(fence->pollOk().value());
}

TEST_F(LibraryTest, FinishWaitsForJobsWhoseFencesAreGone)
{
    Kernel store = kernelOf(kStore);
    Mapping values(kPage), forbidden(kPage, PROT_NONE);
    ComputeQueue queue(*vm_);
    for (uint32_t i = 0; i < 8; i++)
        ASSERT_TRUE(queue.launch(store, {1}, {1}, values.as<uint32_t>() + i, i + 1));

    ASSERT_TRUE(queue.finish(30s).ok());
    for (uint32_t i = 0; i < 8; i++)
        EXPECT_EQ(values.as<uint32_t>()[i], i + 1);

    ASSERT_TRUE(queue.launch(store, {1}, {1}, forbidden.data(), 1u));
    ASSERT_TRUE(queue.launch(store, {1}, {1}, values.data(), 9u));
    Status failed = queue.finish(30s);
    EXPECT_EQ(failed.errnum(), EFAULT) << failed.message();
    ASSERT_NE(failed.job(), nullptr);
    EXPECT_EQ(failed.job()->faultAddress, reinterpret_cast<uintptr_t>(forbidden.data()));
    EXPECT_EQ(values.as<uint32_t>()[0], 9u) << "the job after the fault ran too";
}

// The kernel keeps a VM's last DRM_VSVM_WAIT_MAX_KEPT job statuses; a Fence
// waited for after many more jobs still knows its job's fault.
TEST_F(LibraryTest, AnOutcomeOutlivesTheKernelsWindow)
{
    Mapping forbidden(kPage, PROT_NONE), target(kPage);
    CopyQueue copies(*vm_);
    auto first = copies.fill(forbidden.data(), 1, 8);
    ASSERT_TRUE(first) << first.status().message();
    for (int i = 0; i < DRM_VSVM_WAIT_MAX_KEPT + 16; i++)
        ASSERT_TRUE(copies.fill(target.data(), i, 8)) << i;
    // finish() reports the first job that did not end OK: the fault.
    Status all = copies.finish(120s);
    EXPECT_EQ(all.errnum(), EFAULT) << all.message();

    Status status = first->waitOk(0ns);

    EXPECT_EQ(status.errnum(), EFAULT) << status.message();
    ASSERT_NE(status.job(), nullptr);
    EXPECT_EQ(status.job()->faultAddress, reinterpret_cast<uintptr_t>(forbidden.data()));
}

TEST_F(LibraryTest, DispatchSplitRunsAGridAsJobs)
{
    Kernel iota = kernelOf(kSplitIota);
    Mapping out(kPage);
    std::vector<std::pair<uint64_t, uint64_t>> progress;
    SplitOptions options{.maxGroups = 3, .iterations = 2};
    options.progress = [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); };

    auto jobs = ComputeQueue(*vm_).dispatchSplit(
        iota, {8}, {16}, [&](uint32_t first, uint32_t) { return KernelArgs(out.data(), first); }, options);

    ASSERT_TRUE(jobs) << jobs.status().message();
    EXPECT_EQ(*jobs, 6u);
    EXPECT_EQ(progress.size(), 6u);
    for (uint32_t i = 0; i < 128; i++)
        ASSERT_EQ(out.as<uint32_t>()[i], i);
}

TEST_F(LibraryTest, DispatchSplitStopsAtTheFirstFault)
{
    Kernel store = kernelOf(kStore);
    Mapping forbidden(kPage, PROT_NONE), values(kPage);

    auto jobs = ComputeQueue(*vm_).dispatchSplit(
        store, {4}, {1},
        [&](uint32_t first, uint32_t) {
            return KernelArgs(first == 1 ? forbidden.data() : values.data() + 4 * first, first + 1);
        },
        {.maxGroups = 1, .inFlight = 1});

    ASSERT_FALSE(jobs);
    EXPECT_EQ(jobs.status().errnum(), EFAULT);
    EXPECT_THAT(jobs.status().message(), HasSubstr("job 2 of 4: fault: write at 0x"));
    EXPECT_EQ(values.as<uint32_t>()[0], 1u);
    EXPECT_EQ(values.as<uint32_t>()[2], 0u) << "no job after the failed one was submitted";
}

TEST_F(LibraryTest, ObjectsOutliveTheirDeviceAndVm)
{
    Kernel store = kernelOf(kStore);
    Mapping value(kPage);
    ComputeQueue queue(*vm_);
    auto fence = queue.launch(store, {1}, {1}, value.data(), 7u);
    ASSERT_TRUE(fence) << fence.status().message();

    device_.reset();
    EXPECT_TRUE(vm_->counters());
    EXPECT_TRUE(fence->waitOk(30s).ok());
    ASSERT_TRUE(queue.launch(store, {1}, {1}, value.data(), 8u));
    vm_.reset();

    EXPECT_TRUE(queue.finish(0ns).ok()) << "the Vm read the outcome before it went";
    EXPECT_EQ(value.as<uint32_t>()[0], 8u);
    auto late = queue.launch(store, {1}, {1}, value.data(), 9u);
    ASSERT_FALSE(late);
    EXPECT_EQ(late.status().errnum(), ENOENT);
}

TEST_F(VsvmDeviceTest, TheCApiRunsSaxpy)
{
    std::string source = exampleKernel("saxpy");
    vsvm_kernel* kernel = nullptr;
    ASSERT_EQ(vsvm_kernel_from_assembly(source.c_str(), &kernel), VSVM_OK) << vsvm_last_error();
    vsvm_device* device = nullptr;
    ASSERT_EQ(vsvm_device_open(0, &device), VSVM_OK) << vsvm_last_error();
    vsvm_vm* vm = nullptr;
    ASSERT_EQ(vsvm_vm_create(device, &vm), VSVM_OK) << vsvm_last_error();
    vsvm_device_close(device);
    std::vector<float> x(64, 1.0f), y(64, 1.0f);
    const uint32_t groups[3] = {1, 1, 1}, lanes[3] = {64, 1, 1};

    const vsvm_arg wrong[] = {vsvm_arg_ptr(x.data()), vsvm_arg_ptr(y.data()), vsvm_arg_u32(64), vsvm_arg_f64(2.0)};
    vsvm_fence* fence = nullptr;
    EXPECT_EQ(vsvm_launch(vm, kernel, groups, lanes, wrong, 4, &fence), VSVM_ERROR_INVALID_ARGUMENT);
    const vsvm_arg args[] = {vsvm_arg_ptr(x.data()), vsvm_arg_ptr(y.data()), vsvm_arg_u32(64), vsvm_arg_f32(2.0f)};
    ASSERT_EQ(vsvm_launch(vm, kernel, groups, lanes, args, 4, &fence), VSVM_OK) << vsvm_last_error();
    vsvm_job_result result{};
    EXPECT_EQ(vsvm_fence_wait(fence, 30'000'000'000, &result), VSVM_OK) << vsvm_last_error();
    EXPECT_EQ(result.status, uint32_t{VSVM_JOB_OK});
    EXPECT_EQ(y[63], 3.0f);

    vsvm_fence_destroy(fence);
    vsvm_vm_destroy(vm);
    vsvm_kernel_destroy(kernel);
}

} // namespace
} // namespace vsvm::test
