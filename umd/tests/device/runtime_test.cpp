// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The runtime against a loaded vsvm driver: copy commands, compute jobs,
// faults reported with their address, fences with timeouts, counters.

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "device_fixture.h"
#include "mapping.h"
#include "vsvm/runtime.h"

namespace vsvm::test {
namespace {

using namespace std::chrono_literals;

/// The FNV-1a the copy engine's checksum command computes (uapi/vsvm_drm.h).
uint64_t fnv1a(const uint8_t* data, std::size_t size)
{
    uint64_t hash = 0xcbf29ce484222325ull;
    for (std::size_t i = 0; i < size; i++) {
        hash ^= data[i];
        hash *= 0x100000001b3ull;
    }
    return hash;
}

Kernel assembleOrDie(const char* source)
{
    auto kernel = Kernel::fromAssembly(source);
    EXPECT_TRUE(kernel) << kernel.status().message();
    return std::move(kernel).value();
}

/// Loads s0[0] (a read) in lane 0.
constexpr const char* kLoadKernel = R"(
    v_mov v7, s0
    v_load_u32 v8, v7
    s_endpgm
)";

/// Stores s1 to s0[0] in lane 0.
constexpr const char* kStoreKernel = R"(
    v_mov v7, s0
    v_mov v8, s1
    v_store_b32 v7, v8
    s_endpgm
)";

/// Lane i stores i to s0[i * s1 / 4]: one 32-bit word per s1-byte stride.
constexpr const char* kStrideKernel = R"(
    v_mul_u64 v7, v0, s1
    v_add_u64 v7, v7, s0
    v_store_b32 v7, v0
    s_endpgm
)";

/// Spins until the 32-bit word at s0 is non-zero: the CPU decides when the
/// job ends.
constexpr const char* kSpinKernel = R"(
    v_mov v7, s0
loop:
    v_load_u32 v8, v7
    v_cmp_eq_u32 exec, v8, 0
    s_cbranch_execnz loop
    s_endpgm
)";

class RuntimeTest : public VsvmVmTest {
protected:
    VmCounters counters() const
    {
        auto counters = vm_->counters();
        EXPECT_TRUE(counters) << counters.status().message();
        return counters.ok() ? *counters : VmCounters{};
    }

    JobResult waitFor(Result<Fence> fence, std::chrono::nanoseconds timeout = 30s) const
    {
        EXPECT_TRUE(fence) << fence.status().message();
        if (!fence)
            return {};
        auto result = fence->wait(timeout);
        EXPECT_TRUE(result) << result.status().message();
        return result.ok() ? *result : JobResult{};
    }
};

TEST_F(RuntimeTest, CopyFillAndChecksumCommandsRunInOrder)
{
    const std::size_t size = 64 * kPage + 123;
    Mapping source(2 * size), target(2 * size);
    std::iota(source.data(), source.data() + size, uint8_t{7});
    // Past what the copy writes, 8-byte aligned.
    auto* sums = reinterpret_cast<uint64_t*>(target.data() + (size + 7) / 8 * 8);

    CopyQueue queue(*vm_);
    std::array commands{
        CopyCommand::copy(target.data(), source.data(), size),
        CopyCommand::checksum(target.data(), size, &sums[0]),
        CopyCommand::fill(target.data(), 0x0807060504030201ull, size),
        CopyCommand::checksum(target.data(), size, &sums[1]),
    };
    JobResult result = waitFor(queue.submit(commands));

    ASSERT_TRUE(result.ok()) << result.describe();
    // The first checksum saw the copy, the second the fill.
    EXPECT_EQ(sums[0], fnv1a(source.data(), size));
    for (std::size_t i = 0; i < size; i++)
        ASSERT_EQ(target.data()[i], i % 8 + 1) << "byte " << i;
    EXPECT_EQ(sums[1], fnv1a(target.data(), size));
}

TEST_F(RuntimeTest, CopyQueueHelpersEachSubmitAJob)
{
    Mapping a(4 * kPage), b(4 * kPage);
    CopyQueue queue(*vm_);
    uint64_t sum = 0;

    ASSERT_TRUE(waitFor(queue.fill(a.data(), 0xababababababababull, a.size())).ok());
    ASSERT_TRUE(waitFor(queue.copy(b.data(), a.data(), b.size())).ok());
    ASSERT_TRUE(waitFor(queue.checksum(b.data(), b.size(), &sum)).ok());

    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size()), 0);
    EXPECT_EQ(b.data()[b.size() - 1], 0xab);
    EXPECT_EQ(sum, fnv1a(b.data(), b.size()));
}

TEST_F(RuntimeTest, ReadOfProtNoneMemoryIsAFaultWithItsAddress)
{
    Mapping forbidden(kPage, PROT_NONE);
    Kernel kernel = assembleOrDie(kLoadKernel);
    uint8_t* address = forbidden.data() + 0x40;

    JobResult result = waitFor(ComputeQueue(*vm_).launch(kernel, {1}, {1}, address));

    EXPECT_EQ(result.status, JobStatus::Fault) << result.describe();
    EXPECT_EQ(result.rawStatus, DRM_VSVM_JOB_FAULT);
    EXPECT_EQ(result.faultAddress, reinterpret_cast<uintptr_t>(address));
    EXPECT_EQ(result.faultAccess, Access::Read);
    EXPECT_EQ(result.pc, 8u) << "the load is the second instruction";
    EXPECT_EQ(result.commandIndex, 0u);
    EXPECT_EQ(counters().faultsFatal, 1u);
}

TEST_F(RuntimeTest, StoreToReadOnlyMemoryIsAWriteFault)
{
    Mapping readOnly(kPage, PROT_READ);
    Kernel kernel = assembleOrDie(kStoreKernel);

    JobResult result = waitFor(ComputeQueue(*vm_).launch(kernel, {1}, {1}, readOnly.data(), 5));

    EXPECT_EQ(result.status, JobStatus::Fault) << result.describe();
    EXPECT_EQ(result.faultAddress, reinterpret_cast<uintptr_t>(readOnly.data()));
    EXPECT_EQ(result.faultAccess, Access::Write);
    EXPECT_EQ(result.pc, 16u);
    EXPECT_EQ(readOnly.data()[0], 0);
}

TEST_F(RuntimeTest, UnmappedAddressFaultsAndTheVmStaysUsable)
{
    // The kernels first: their code mappings could take the unmapped page.
    Kernel load = assembleOrDie(kLoadKernel);
    Kernel store = assembleOrDie(kStoreKernel);
    ComputeQueue queue(*vm_);
    Mapping gone(kPage);
    auto* address = gone.as<uint32_t>();
    gone.unmap();

    JobResult fault = waitFor(queue.launch(load, {1}, {1}, address));
    ASSERT_EQ(fault.status, JobStatus::Fault) << fault.describe();
    EXPECT_EQ(fault.faultAddress, reinterpret_cast<uintptr_t>(address));
    EXPECT_EQ(fault.faultAccess, Access::Read);
    EXPECT_NE(fault.describe().find("fault: read at"), std::string::npos) << fault.describe();

    uint32_t value = 0;
    JobResult next = waitFor(queue.launch(store, {1}, {1}, &value, 42));
    EXPECT_TRUE(next.ok()) << next.describe();
    EXPECT_EQ(value, 42u);
}

TEST_F(RuntimeTest, WaitTimesOutWhileTheJobRunsAndThenSeesItEnd)
{
    Mapping flag(kPage);
    Kernel spin = assembleOrDie(kSpinKernel);
    auto fence = ComputeQueue(*vm_).launch(spin, {1}, {1}, flag.data());
    ASSERT_TRUE(fence) << fence.status().message();

    auto poll = fence->wait(0ns);
    ASSERT_FALSE(poll) << "the job ended before the CPU released it";
    EXPECT_EQ(poll.status().errnum(), ETIME) << poll.status().message();

    auto start = std::chrono::steady_clock::now();
    auto timed = fence->wait(50ms);
    auto waited = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(timed);
    EXPECT_EQ(timed.status().errnum(), ETIME) << timed.status().message();
    EXPECT_GE(waited, 50ms);
    EXPECT_LT(waited, 5s);

    std::atomic_ref<uint32_t>(*flag.as<uint32_t>()).store(1);
    auto done = fence->wait(30s);
    ASSERT_TRUE(done) << done.status().message();
    EXPECT_TRUE(done->ok()) << done->describe();
    // An ended job's status stays: a second wait, even a poll, returns it.
    auto again = fence->wait(0ns);
    ASSERT_TRUE(again) << again.status().message();
    EXPECT_TRUE(again->ok());
}

TEST_F(RuntimeTest, JobWaitsForItsDependencyOnTheOtherEngine)
{
    Mapping flag(kPage), target(kPage);
    Kernel spin = assembleOrDie(kSpinKernel);
    auto spinning = ComputeQueue(*vm_).launch(spin, {1}, {1}, flag.data());
    ASSERT_TRUE(spinning) << spinning.status().message();

    auto fill = CopyQueue(*vm_).fill(target.data(), 0x1111111111111111ull, target.size(), {*spinning});
    ASSERT_TRUE(fill) << fill.status().message();
    auto early = fill->wait(100ms);
    ASSERT_FALSE(early) << "the fill ran before the job it depends on ended";
    EXPECT_EQ(early.status().errnum(), ETIME);
    EXPECT_EQ(target.data()[0], 0);

    std::atomic_ref<uint32_t>(*flag.as<uint32_t>()).store(1);
    JobResult filled = waitFor(std::move(fill));
    EXPECT_TRUE(filled.ok()) << filled.describe();
    EXPECT_EQ(target.data()[target.size() - 1], 0x11);
    JobResult spun = waitFor(std::move(spinning));
    EXPECT_TRUE(spun.ok()) << spun.describe();
}

TEST_F(RuntimeTest, CountersShowFaultsThenTranslationsKeptThenInvalidation)
{
    const uint32_t pages = 64;
    Mapping buffer(pages * kPage);
    std::memset(buffer.data(), 0xff, buffer.size());
    Kernel stride = assembleOrDie(kStrideKernel);
    ComputeQueue queue(*vm_);
    VmCounters before = counters();

    ASSERT_TRUE(waitFor(queue.launch(stride, {1}, {pages}, buffer.data(), kPage)).ok());
    VmCounters first = counters();
    for (uint32_t page = 0; page < pages; page++)
        ASSERT_EQ(buffer.as<uint32_t>()[page * kPage / 4], page);
    EXPECT_GT(first.faults, before.faults);
    EXPECT_GE(first.mapped4K - before.mapped4K, pages);
    EXPECT_EQ(first.faultsFatal, 0u);
    EXPECT_GT(first.ptBytes, 0u);
    EXPECT_GT(first.rangesAlive, 0u);

    // The translations stay while the CPU mapping does.
    ASSERT_TRUE(waitFor(queue.launch(stride, {1}, {pages}, buffer.data(), kPage)).ok());
    EXPECT_EQ(counters().faults, first.faults);

    buffer.unmap();
    VmCounters after = counters();
    EXPECT_GT(after.invalUnmap, first.invalUnmap);
    EXPECT_GE(after.ptesZapped - first.ptesZapped, pages);
    EXPECT_GT(after.tlbFlushes, first.tlbFlushes);
}

TEST_F(RuntimeTest, PrefetchedMemoryTakesNoFault)
{
    Mapping buffer(16 * kPage);
    std::memset(buffer.data(), 0, buffer.size());
    Kernel stride = assembleOrDie(kStrideKernel);
    // The device fetches the program through the page table too.
    ASSERT_TRUE(vm_->prefetch(stride.code(), stride.codeSize(), false).ok());
    ASSERT_TRUE(vm_->prefetch(buffer.data(), buffer.size(), true).ok());
    VmCounters prefetched = counters();
    EXPECT_GE(prefetched.mapped4K, 17u);

    ASSERT_TRUE(waitFor(ComputeQueue(*vm_).launch(stride, {1}, {16}, buffer.data(), kPage)).ok());

    EXPECT_EQ(counters().faults, prefetched.faults);
    EXPECT_EQ(buffer.as<uint32_t>()[15 * kPage / 4], 15u);
}

} // namespace
} // namespace vsvm::test
