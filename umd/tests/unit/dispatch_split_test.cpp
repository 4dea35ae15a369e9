// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// ComputeQueue::dispatchSplit(): a grid too long for one job, as jobs of at
// most maxGroups workgroups, waited for with the first failure stopping it.

#include <cerrno>
#include <cstdint>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime_fixture.h"
#include "vsvm/runtime.h"

namespace vsvm {
namespace {

using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::Return;
using test::kJobId;

class DispatchSplitTest : public test::ComputeQueueTest {
protected:
    /// Waits end the jobs with @p status (DRM_VSVM_JOB_OK unless a job is
    /// in @p failing), counting the jobs in flight at the most.
    void answerWaits(std::vector<uint64_t> failing = {})
    {
        EXPECT_CALL(os_, wait(fd_, _)).WillRepeatedly([this, failing](int, drm_vsvm_wait& args) {
            waited_.push_back(args.job_id);
            bool fails = std::find(failing.begin(), failing.end(), args.job_id) != failing.end();
            args.status = fails ? DRM_VSVM_JOB_FAULT : DRM_VSVM_JOB_OK;
            args.fault_addr = fails ? 0x6000 : 0;
            args.fault_access = fails ? DRM_VSVM_ACCESS_WRITE : 0;
            return 0;
        });
    }

    /// The arguments function: the first workgroup and the count, recorded.
    SplitArgs recordArgs()
    {
        return [this](uint32_t first, uint32_t count) {
            chunks_.emplace_back(first, count);
            inFlightAtSubmit_.push_back(allDispatches_.size() - waited_.size());
            return KernelArgs(first);
        };
    }

    Kernel kernel_ = test::assembleKernel(".args u32 first\ns_endpgm\n");
    std::vector<std::pair<uint32_t, uint32_t>> chunks_;
    std::vector<uint64_t> waited_;
    std::vector<std::size_t> inFlightAtSubmit_;
};

TEST_F(DispatchSplitTest, SplitsTheGridIntoJobsOfAtMostMaxGroups)
{
    expectJobs(3);
    answerWaits();
    std::vector<std::pair<uint64_t, uint64_t>> progress;
    SplitOptions options{.maxGroups = 4};
    options.progress = [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); };

    auto jobs = queue_->dispatchSplit(kernel_, {10, 2}, {16}, recordArgs(), options);

    ASSERT_TRUE(jobs) << jobs.status().message();
    EXPECT_EQ(*jobs, 3u);
    EXPECT_THAT(chunks_, ElementsAre(Pair(0u, 4u), Pair(4u, 4u), Pair(8u, 2u)));
    ASSERT_EQ(allDispatches_.size(), 3u);
    EXPECT_THAT(allDispatches_[2].num_groups, ElementsAre(2u, 2u, 1u));
    EXPECT_THAT(allDispatches_[2].group_size, ElementsAre(16u, 1u, 1u));
    EXPECT_EQ(allDispatches_[1].args[0], 4u);
    EXPECT_THAT(progress, ElementsAre(Pair(1u, 3u), Pair(2u, 3u), Pair(3u, 3u)));
    EXPECT_THAT(waited_, ElementsAre(kJobId, kJobId + 1, kJobId + 2));
}

TEST_F(DispatchSplitTest, IterationsRunTheGridAgainAndInFlightIsABound)
{
    expectJobs(6);
    answerWaits();

    auto jobs = queue_->dispatchSplit(kernel_, {6}, {1}, recordArgs(),
                                      {.maxGroups = 2, .iterations = 2, .inFlight = 2});

    ASSERT_TRUE(jobs) << jobs.status().message();
    EXPECT_EQ(*jobs, 6u);
    EXPECT_THAT(chunks_, ElementsAre(Pair(0u, 2u), Pair(2u, 2u), Pair(4u, 2u), Pair(0u, 2u), Pair(2u, 2u),
                                     Pair(4u, 2u)));
    EXPECT_THAT(inFlightAtSubmit_, ElementsAre(0u, 1u, 1u, 1u, 1u, 1u));
}

TEST_F(DispatchSplitTest, TheFirstFailureStopsTheRunAndCarriesTheFault)
{
    // Job 2 of 5 faults: job 3 is already in flight and waited for; no job
    // is submitted after the failure is seen.
    expectJobs(3);
    answerWaits({kJobId + 1});

    auto jobs = queue_->dispatchSplit(kernel_, {5}, {1}, recordArgs(), {.maxGroups = 1, .inFlight = 2});

    ASSERT_FALSE(jobs);
    EXPECT_EQ(jobs.status().errnum(), EFAULT);
    EXPECT_EQ(jobs.status().message(), "job 2 of 5: fault: write at 0x6000 (pc 0x0, command 0)");
    ASSERT_NE(jobs.status().job(), nullptr);
    EXPECT_EQ(jobs.status().job()->faultAddress, 0x6000u);
    EXPECT_EQ(chunks_.size(), 3u);
    EXPECT_THAT(waited_, ElementsAre(kJobId, kJobId + 1, kJobId + 2));
}

TEST_F(DispatchSplitTest, AJobPastTheJobTimeoutIsETime)
{
    expectJobs(1);
    EXPECT_CALL(os_, wait(fd_, _)).WillRepeatedly(Return(-ETIME));

    auto jobs = queue_->dispatchSplit(kernel_, {1}, {1}, recordArgs(),
                                      {.maxGroups = 1, .jobTimeout = std::chrono::milliseconds(1)});

    ASSERT_FALSE(jobs);
    EXPECT_EQ(jobs.status().errnum(), ETIME);
    EXPECT_EQ(jobs.status().message(), "job 1 of 1: still running after 0.001 s");
}

TEST_F(DispatchSplitTest, ProgressIsReportedWhileAJobRuns)
{
    expectJobs(1);
    EXPECT_CALL(os_, wait(fd_, _))
        .WillOnce(Return(-ETIME))
        .WillOnce(Return(-ETIME))
        .WillOnce([](int, drm_vsvm_wait& args) {
            args.status = DRM_VSVM_JOB_OK;
            return 0;
        });
    std::vector<std::pair<uint64_t, uint64_t>> progress;
    SplitOptions options{.maxGroups = 8, .progressInterval = std::chrono::milliseconds(1)};
    options.progress = [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); };

    auto jobs = queue_->dispatchSplit(kernel_, {8}, {1}, recordArgs(), options);

    ASSERT_TRUE(jobs) << jobs.status().message();
    EXPECT_THAT(progress, ElementsAre(Pair(0u, 1u), Pair(0u, 1u), Pair(1u, 1u)));
}

TEST_F(DispatchSplitTest, AGridLargerThanOneDispatchMaySplit)
{
    expectJobs(2);
    answerWaits();

    auto jobs = queue_->dispatchSplit(kernel_, {DRM_VSVM_MAX_GROUPS + 1}, {1}, recordArgs(),
                                      {.maxGroups = DRM_VSVM_MAX_GROUPS});

    ASSERT_TRUE(jobs) << jobs.status().message();
    EXPECT_THAT(chunks_, ElementsAre(Pair(0u, DRM_VSVM_MAX_GROUPS), Pair(DRM_VSVM_MAX_GROUPS, 1u)));
}

TEST_F(DispatchSplitTest, BadSplitsFailBeforeAnyIoctl)
{
    auto noChunk = queue_->dispatchSplit(kernel_, {4}, {1}, recordArgs(), {});
    EXPECT_EQ(noChunk.status().errnum(), EINVAL);
    EXPECT_THAT(noChunk.status().message(), HasSubstr("maxGroups, iterations and inFlight must be at least 1"));
    auto tooWide = queue_->dispatchSplit(kernel_, {4}, {32, 16}, recordArgs(), {.maxGroups = 2});
    EXPECT_EQ(tooWide.status().message(), "dispatchSplit(): 32x16x1 = 512 lanes in a workgroup: at most 256");
    auto tooLarge = queue_->dispatchSplit(kernel_, {DRM_VSVM_MAX_GROUPS + 1}, {1}, recordArgs(),
                                          {.maxGroups = DRM_VSVM_MAX_GROUPS + 1});
    EXPECT_EQ(tooLarge.status().errnum(), EINVAL);
    // The arguments of every job are checked against the kernel's signature.
    auto badArgs = queue_->dispatchSplit(
        kernel_, {4}, {1}, [](uint32_t, uint32_t) { return KernelArgs(1.0); }, {.maxGroups = 2});
    EXPECT_THAT(badArgs.status().message(),
                HasSubstr("job 1 of 2: dispatch 0: kernel argument 1 (u32 first) is given a double"));
}

} // namespace
} // namespace vsvm
