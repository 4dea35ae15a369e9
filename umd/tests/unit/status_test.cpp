// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include <cerrno>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "vsvm/fence.h"
#include "vsvm/status.h"
#include "vsvm_drm.h"

namespace vsvm {
namespace {

TEST(Status, DefaultIsSuccess)
{
    Status status;
    EXPECT_TRUE(status.ok());
    EXPECT_EQ(status.errnum(), 0);
    EXPECT_EQ(status.message(), "success");
}

TEST(Status, CarriesErrnoAndContext)
{
    Status status = Status::fromErrno(EACCES, "open /dev/dri/renderD128");
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(status.errnum(), EACCES);
    EXPECT_EQ(status.context(), "open /dev/dri/renderD128");
    EXPECT_EQ(status.message(), "open /dev/dri/renderD128: Permission denied");
}

TEST(Status, ErrorWithoutErrnoIsStillAnError)
{
    EXPECT_EQ(Status::fromErrno(0, "x").errnum(), EIO);
    EXPECT_EQ(Status::fromErrno(-EINVAL, "x").errnum(), EIO);
}

TEST(Status, WithContextPrependsAndKeepsErrno)
{
    Status status = Status::fromErrno(ENOTTY, "DRM_IOCTL_VERSION").withContext("/dev/null");
    EXPECT_EQ(status.errnum(), ENOTTY);
    EXPECT_EQ(status.context(), "/dev/null: DRM_IOCTL_VERSION");
    EXPECT_TRUE(Status().withContext("ignored").ok());
}

TEST(Status, AnExplainedErrorGetsNoStrerrorText)
{
    Status status = Status::error(EINVAL, "kernel argument 4 (f32 a) is given a double");
    EXPECT_EQ(status.errnum(), EINVAL);
    EXPECT_EQ(status.message(), "kernel argument 4 (f32 a) is given a double");
    EXPECT_EQ(status.withContext("dispatch 0").message(), "dispatch 0: kernel argument 4 (f32 a) is given a double");
    EXPECT_EQ(Status::error(0, "x").errnum(), EIO);
    EXPECT_EQ(status.job(), nullptr);
}

TEST(Status, AFailedJobCarriesItsResult)
{
    JobResult fault{.status = JobStatus::Fault, .rawStatus = DRM_VSVM_JOB_FAULT, .faultAddress = 0x2000,
                    .faultAccess = Access::Read, .pc = 0x30};

    Status status = Status::jobFailed(fault, "job 3 of vm 1").withContext("saxpy");

    EXPECT_EQ(status.errnum(), EFAULT);
    EXPECT_EQ(status.message(), "saxpy: job 3 of vm 1: fault: read at 0x2000 (pc 0x30, command 0)");
    ASSERT_NE(status.job(), nullptr);
    EXPECT_EQ(*status.job(), fault);
    Status copy = status;
    EXPECT_EQ(copy.job()->faultAddress, 0x2000u);
}

TEST(Result, HoldsValue)
{
    Result<int> result(42);
    ASSERT_TRUE(result);
    EXPECT_EQ(*result, 42);
    EXPECT_TRUE(result.status().ok());
}

TEST(Result, HoldsError)
{
    Result<int> result(Status::fromErrno(ENODEV, "no device"));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.status().errnum(), ENODEV);
}

TEST(Result, HoldsMoveOnlyValue)
{
    Result<std::unique_ptr<int>> result(std::make_unique<int>(7));
    std::unique_ptr<int> value = std::move(result).value();
    EXPECT_EQ(*value, 7);
}

TEST(ResultDeathTest, ReadingTheValueOfAnErrorAborts)
{
    Result<int> result(Status::fromErrno(ENODEV, "no device"));
    EXPECT_DEATH((void)result.value(), "value of a failed Result read \\(no device: No such device\\)");
}

} // namespace
} // namespace vsvm
