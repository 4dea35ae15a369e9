// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Fail-fast waits: Fence::waitOk() and pollOk() turn a job that ended badly
// into a failed Status that carries the fault; polling a running job is
// "not yet"; ComputeQueue::finish(); job outcomes the library keeps after
// the kernel forgets them.

#include <cerrno>
#include <cstdint>
#include <map>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime_fixture.h"
#include "vsvm/runtime.h"

namespace vsvm {
namespace {

using ::testing::_;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Return;
using test::kJobId;
using test::kVmId;

class FenceTest : public test::ComputeQueueTest {
protected:
    Fence launch()
    {
        auto fence = queue_->launch(kernel_, {1}, {1});
        EXPECT_TRUE(fence) << fence.status().message();
        return std::move(fence).value();
    }

    Kernel kernel_ = test::assembleKernel();
};

struct FailedJob {
    uint32_t status;
    uint32_t isaError;
    int errnum;
    const char* message;
};

TEST_F(FenceTest, WaitOkTurnsEveryBadEndIntoAFailedStatusWithTheJob)
{
    const FailedJob cases[] = {
        {DRM_VSVM_JOB_FAULT, 0, EFAULT,
         "job 1234 of vm 7: fault: write at 0xdead000 (pc 0x18, command 0)"},
        {DRM_VSVM_JOB_INVALID, VSVM_ISA_ERR_BRANCH, ENOEXEC,
         "job 1234 of vm 7: invalid program: VSVM_ISA_ERR_BRANCH (a branch target outside the program) "
         "(pc 0x18, command 0)"},
        {DRM_VSVM_JOB_INVALID, VSVM_ISA_ERR_ALIGN, ENOEXEC,
         "job 1234 of vm 7: invalid program: VSVM_ISA_ERR_ALIGN (a memory access not aligned to its size) at "
         "0xdead000 (pc 0x18, command 0)"},
        {DRM_VSVM_JOB_TIMEOUT, 0, ETIMEDOUT,
         "job 1234 of vm 7: timeout: stopped at the device's job timeout (pc 0x18, command 0)"},
        {DRM_VSVM_JOB_CANCELED, 0, ECANCELED, "job 1234 of vm 7: canceled"},
        {DRM_VSVM_JOB_RETRIES, 0, EAGAIN,
         "job 1234 of vm 7: too many fault retries: write at 0xdead000 (pc 0x18, command 0)"},
    };
    for (const FailedJob& c : cases) {
        // The newest expectations answer: one job per case, all of id kJobId.
        expectJobs(1);
        nextJobId_ = kJobId;
        Fence fence = launch();
        EXPECT_CALL(os_, wait(fd_, _)).WillOnce([&](int, drm_vsvm_wait& args) {
            args.status = c.status;
            args.error = c.isaError;
            args.pc = 0x18;
            bool addressed = c.status == DRM_VSVM_JOB_FAULT || c.status == DRM_VSVM_JOB_RETRIES ||
                             c.isaError == VSVM_ISA_ERR_ALIGN;
            args.fault_addr = addressed ? 0xdead000 : 0;
            args.fault_access = addressed && c.isaError == 0 ? DRM_VSVM_ACCESS_WRITE : 0;
            return 0;
        });

        Status status = fence.waitOk();

        ASSERT_FALSE(status.ok()) << c.message;
        EXPECT_EQ(status.errnum(), c.errnum) << c.message;
        EXPECT_EQ(status.message(), c.message);
        ASSERT_NE(status.job(), nullptr);
        EXPECT_EQ(status.job()->rawStatus, c.status);
        EXPECT_EQ(status.job()->pc, 0x18u);
    }
}

TEST_F(FenceTest, AFaultsStatusCarriesAddressAccessAndPc)
{
    expectJobs(1);
    Fence fence = launch();
    answerWait(kJobId, DRM_VSVM_JOB_FAULT, 0x7000);

    Status status = fence.waitOk();
    auto polled = fence.pollOk();

    ASSERT_NE(status.job(), nullptr);
    EXPECT_EQ(status.job()->status, JobStatus::Fault);
    EXPECT_EQ(status.job()->faultAddress, 0x7000u);
    EXPECT_EQ(status.job()->faultAccess, Access::Write);
    EXPECT_EQ(status.job()->pc, 0x18u);
    ASSERT_FALSE(polled);
    EXPECT_EQ(polled.status().errnum(), EFAULT);
}

TEST_F(FenceTest, AJobThatEndedOkIsSuccess)
{
    expectJobs(1);
    Fence fence = launch();
    answerWait(kJobId, DRM_VSVM_JOB_OK);

    EXPECT_TRUE(fence.waitOk().ok());
    auto polled = fence.pollOk();
    ASSERT_TRUE(polled) << polled.status().message();
    EXPECT_TRUE(*polled);
}

TEST_F(FenceTest, PollingARunningJobIsNotYetNotAnError)
{
    expectJobs(1);
    Fence fence = launch();
    EXPECT_CALL(os_, wait(fd_, Field(&drm_vsvm_wait::timeout_ns, test::kNow))).Times(2).WillRepeatedly(Return(-ETIME));

    auto polled = fence.poll();
    auto polledOk = fence.pollOk();

    ASSERT_TRUE(polled) << polled.status().message();
    EXPECT_FALSE(polled->has_value());
    ASSERT_TRUE(polledOk) << polledOk.status().message();
    EXPECT_FALSE(*polledOk);
}

TEST_F(FenceTest, WaitOkPastItsTimeoutIsETime)
{
    expectJobs(1);
    Fence fence = launch();
    EXPECT_CALL(os_, wait(fd_, _)).WillOnce(Return(-ETIME));

    Status status = fence.waitOk(std::chrono::milliseconds(5));

    EXPECT_EQ(status.errnum(), ETIME);
    EXPECT_EQ(status.job(), nullptr);
    EXPECT_EQ(status.message(), "job 1234 of vm 7: still running");
}

TEST_F(FenceTest, AnOutcomeIsReadFromTheKernelOnce)
{
    expectJobs(1);
    Fence fence = launch();
    EXPECT_CALL(os_, wait(fd_, _)).WillOnce([](int, drm_vsvm_wait& args) {
        args.status = DRM_VSVM_JOB_OK;
        return 0;
    });

    EXPECT_TRUE(fence.waitOk().ok());
    EXPECT_TRUE(fence.waitOk().ok());
    EXPECT_TRUE(fence.pollOk().value());
}

// The kernel keeps the outcome of a VM's last DRM_VSVM_WAIT_MAX_KEPT jobs;
// the library reads a job's before a submission pushes it out.
TEST_F(FenceTest, OutcomesOutliveTheKernelsWindow)
{
    constexpr int kJobs = DRM_VSVM_WAIT_MAX_KEPT + 10;
    expectJobs(kJobs);
    // Like the kernel: a job more than MAX_KEPT behind the newest is unknown.
    std::map<uint64_t, int> waits;
    EXPECT_CALL(os_, wait(fd_, _)).WillRepeatedly([&](int, drm_vsvm_wait& args) {
        waits[args.job_id]++;
        if (args.job_id + DRM_VSVM_WAIT_MAX_KEPT < nextJobId_)
            return -ENOENT;
        args.status = args.job_id == kJobId ? DRM_VSVM_JOB_FAULT : DRM_VSVM_JOB_OK;
        args.fault_addr = 0x5000;
        return 0;
    });

    std::vector<Fence> fences;
    for (int i = 0; i < kJobs; i++)
        fences.push_back(launch());

    Status first = fences.front().waitOk();
    EXPECT_EQ(first.errnum(), EFAULT) << first.message();
    EXPECT_THAT(first.message(), HasSubstr("at 0x5000"));
    EXPECT_TRUE(fences[9].waitOk().ok());
    EXPECT_TRUE(fences.back().waitOk().ok());
    // The old ones were read while the kernel still knew them, once.
    EXPECT_EQ(waits[kJobId], 1);
    EXPECT_EQ(waits[kJobId + 9], 1);
}

TEST_F(FenceTest, FinishWaitsForEveryJobAndReturnsTheFirstFailure)
{
    expectJobs(3);
    // Fences dropped at once: finish() still knows their jobs.
    (void)queue_->launch(kernel_, {1}, {1});
    (void)queue_->launch(kernel_, {1}, {1});
    (void)queue_->launch(kernel_, {1}, {1});
    answerWait(kJobId, DRM_VSVM_JOB_OK);
    answerWait(kJobId + 1, DRM_VSVM_JOB_FAULT, 0x9000);
    answerWait(kJobId + 2, DRM_VSVM_JOB_TIMEOUT);

    Status finished = queue_->finish();
    Status again = queue_->finish();

    ASSERT_FALSE(finished.ok());
    EXPECT_EQ(finished.errnum(), EFAULT);
    EXPECT_EQ(finished.message(), "job 1235 of vm 7: fault: write at 0x9000 (pc 0x18, command 0)");
    EXPECT_TRUE(again.ok()) << "a finish() reports the jobs since the last one: " << again.message();
}

TEST_F(FenceTest, FinishPastItsTimeoutKeepsTheRestForTheNextFinish)
{
    expectJobs(2);
    Fence first = launch();
    Fence second = launch();
    answerWait(kJobId, DRM_VSVM_JOB_OK);
    EXPECT_CALL(os_, wait(fd_, Field(&drm_vsvm_wait::job_id, kJobId + 1)))
        .WillOnce(Return(-ETIME))
        .WillOnce([](int, drm_vsvm_wait& args) {
            args.status = DRM_VSVM_JOB_CANCELED;
            return 0;
        });

    Status early = queue_->finish(std::chrono::milliseconds(1));
    Status late = queue_->finish();

    EXPECT_EQ(early.errnum(), ETIME);
    EXPECT_THAT(early.message(), HasSubstr("job 1235 of vm 7 still runs"));
    EXPECT_EQ(late.errnum(), ECANCELED);
}

TEST_F(FenceTest, ACopyQueueFinishesToo)
{
    CopyQueue copies(*vm_);
    std::vector<char> buffer(64);
    expectJobs(1);
    (void)copies.fill(buffer.data(), 0, buffer.size());
    answerWait(kJobId, DRM_VSVM_JOB_OK);

    EXPECT_TRUE(copies.finish().ok());
}

TEST(JobResult, DescribeShowsAFaultAddressWheneverThereIsOne)
{
    JobResult noProcess{.status = JobStatus::NoProcess, .faultAddress = 0x1000};
    EXPECT_EQ(noProcess.describe(), "process gone at 0x1000");
    JobResult unknown{.status = JobStatus::Unknown, .rawStatus = 99};
    EXPECT_EQ(unknown.describe(), "unknown status 99 (pc 0x0, command 0)");
    EXPECT_EQ(describe(static_cast<vsvm_isa_error>(42)), "ISA error 42 (unknown to this library)");
}

} // namespace
} // namespace vsvm
