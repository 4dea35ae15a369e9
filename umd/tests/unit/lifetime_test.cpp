// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Lifetimes: VMs, queues and fences keep their device open, so destroying
// the Device (or the Vm) first is safe; a moved-from object answers with a
// clear error, never a null dereference.

#include <fcntl.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime_fixture.h"
#include "vsvm/runtime.h"

namespace vsvm {
namespace {

using ::testing::_;
using ::testing::ByMove;
using ::testing::HasSubstr;
using ::testing::Return;
using test::kJobId;
using test::RuntimeTest;

bool isOpen(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

using LifetimeTest = RuntimeTest;

TEST_F(LifetimeTest, DestroyingTheDeviceFirstIsSafe)
{
    std::optional<Vm> vm(createVm());
    std::optional<ComputeQueue> queue(std::in_place, *vm);
    Kernel kernel = test::assembleKernel();
    expectJobs(2);
    std::optional<Fence> fence(queue->launch(kernel, {1}, {1}).value());

    device_.reset();

    // The render node is still open, and everything made from it works.
    ASSERT_TRUE(isOpen(fd_));
    EXPECT_CALL(os_, vmCounters(fd_, _)).WillOnce(Return(0));
    EXPECT_TRUE(vm->counters());
    answerWait(kJobId, DRM_VSVM_JOB_OK);
    EXPECT_TRUE(fence->waitOk().ok());
    std::optional<Fence> second(queue->launch(kernel, {1}, {1}).value());
    answerWait(kJobId + 1, DRM_VSVM_JOB_OK);

    // Closed with the last of them, whatever the order.
    vm.reset();
    queue.reset();
    ASSERT_TRUE(isOpen(fd_));
    fence.reset();
    ASSERT_TRUE(isOpen(fd_));
    second.reset();
    EXPECT_FALSE(isOpen(fd_));
}

TEST_F(LifetimeTest, AFenceOutlivingItsVmKeepsItsOutcome)
{
    std::optional<Vm> vm(createVm());
    Kernel kernel = test::assembleKernel();
    expectJobs(1);
    Fence fence = ComputeQueue(*vm).launch(kernel, {1}, {1}).value();
    // Read once, by the Vm's destruction, before VM_DESTROY forgets it.
    EXPECT_CALL(os_, wait(fd_, _)).WillOnce([](int, drm_vsvm_wait& args) {
        args.status = DRM_VSVM_JOB_FAULT;
        args.fault_addr = 0x4000;
        return 0;
    });

    vm.reset();
    Status status = fence.waitOk();

    EXPECT_EQ(status.errnum(), EFAULT);
    EXPECT_THAT(status.message(), HasSubstr("fault: none at 0x4000"));
}

TEST_F(LifetimeTest, AnOutcomeNotReadBeforeTheVmWentIsAClearError)
{
    std::optional<Vm> vm(createVm());
    Kernel kernel = test::assembleKernel();
    expectJobs(1);
    Fence fence = ComputeQueue(*vm).launch(kernel, {1}, {1}).value();
    EXPECT_CALL(os_, wait(fd_, _)).WillOnce(Return(-EINTR));

    vm.reset();
    auto result = fence.wait();

    ASSERT_FALSE(result);
    EXPECT_EQ(result.status().errnum(), ENOENT);
    EXPECT_EQ(result.status().message(),
              "job 1234 of vm 7: the Vm was destroyed before the job's outcome was read");
}

TEST_F(LifetimeTest, AQueueOutlivingItsVmFailsWithENOENT)
{
    std::optional<Vm> vm(createVm());
    ComputeQueue queue(*vm);
    Kernel kernel = test::assembleKernel();

    vm.reset();
    auto fence = queue.launch(kernel, {1}, {1});

    ASSERT_FALSE(fence);
    EXPECT_EQ(fence.status().errnum(), ENOENT);
    EXPECT_EQ(fence.status().message(), "DRM_IOCTL_VSVM_EXEC(compute, vm 7, 1 commands): the Vm was destroyed");
}

TEST_F(LifetimeTest, AMovedFromDeviceFailsWithEBADF)
{
    Device moved = std::move(*device_);

    auto param = device_->queryParam(DRM_VSVM_PARAM_VA_BITS);
    auto info = device_->queryInfo();
    auto vm = Vm::create(*device_);

    EXPECT_FALSE(device_->valid());
    EXPECT_TRUE(moved.valid());
    EXPECT_EQ(device_->fd(), -1);
    EXPECT_EQ(device_->path(), "");
    EXPECT_EQ(moved.path(), "/dev/dri/renderD128");
    ASSERT_FALSE(param);
    EXPECT_EQ(param.status().errnum(), EBADF);
    EXPECT_EQ(param.status().message(), "use of a moved-from vsvm::Device");
    EXPECT_EQ(info.status().errnum(), EBADF);
    ASSERT_FALSE(vm);
    EXPECT_EQ(vm.status().message(), "Vm::create(): use of a moved-from vsvm::Device");
}

TEST_F(LifetimeTest, AMovedFromVmAndItsQueuesFailWithEBADF)
{
    Vm vm = createVm();
    Vm moved = std::move(vm);
    Kernel kernel = test::assembleKernel();
    char byte = 0;

    EXPECT_FALSE(vm.valid());
    EXPECT_EQ(vm.id(), 0u);
    EXPECT_EQ(moved.id(), test::kVmId);
    EXPECT_EQ(vm.counters().status().message(), "use of a moved-from vsvm::Vm");
    EXPECT_EQ(vm.prefetch(&byte, 1, false).errnum(), EBADF);
    ComputeQueue compute(vm);
    CopyQueue copies(vm);
    EXPECT_FALSE(compute.valid());
    auto launched = compute.launch(kernel, {1}, {1});
    ASSERT_FALSE(launched);
    EXPECT_EQ(launched.status().errnum(), EBADF);
    EXPECT_EQ(launched.status().message(), "use of a moved-from queue, or of a queue made from a moved-from Vm");
    EXPECT_EQ(copies.fill(&byte, 0, 1).status().errnum(), EBADF);
    EXPECT_EQ(compute.finish().errnum(), EBADF);
}

TEST_F(LifetimeTest, AMovedFromQueueFailsWithEBADF)
{
    Vm vm = createVm();
    ComputeQueue queue(vm);
    ComputeQueue moved = std::move(queue);
    Kernel kernel = test::assembleKernel();

    EXPECT_FALSE(queue.valid());
    EXPECT_TRUE(moved.valid());
    EXPECT_EQ(queue.launch(kernel, {1}, {1}).status().errnum(), EBADF);
    EXPECT_EQ(queue.finish().errnum(), EBADF);
}

TEST_F(LifetimeTest, AMovedFromFenceFailsWithEBADF)
{
    Vm vm = createVm();
    ComputeQueue queue(vm);
    Kernel kernel = test::assembleKernel();
    expectJobs(1);
    Fence fence = queue.launch(kernel, {1}, {1}).value();
    Fence moved = std::move(fence);

    EXPECT_FALSE(fence.valid());
    EXPECT_EQ(fence.jobId(), 0u);
    EXPECT_EQ(moved.jobId(), kJobId);
    EXPECT_EQ(fence.wait().status().message(), "use of a moved-from vsvm::Fence");
    EXPECT_EQ(fence.waitOk().errnum(), EBADF);
    EXPECT_EQ(fence.poll().status().errnum(), EBADF);
    EXPECT_EQ(fence.pollOk().status().errnum(), EBADF);
    // As a dependency, before anything reaches the kernel.
    auto after = queue.launchAfter({fence}, kernel, {1}, {1});
    ASSERT_FALSE(after);
    EXPECT_EQ(after.status().errnum(), EBADF);
    EXPECT_THAT(after.status().message(), HasSubstr("dependency 1: use of a moved-from vsvm::Fence"));
}

TEST_F(LifetimeTest, AMovedFromKernelFailsWithEBADF)
{
    Vm vm = createVm();
    ComputeQueue queue(vm);
    Kernel kernel = test::assembleKernel(".args u32 n\ns_endpgm\n");
    Kernel moved = std::move(kernel);

    EXPECT_FALSE(kernel.valid());
    EXPECT_FALSE(kernel.signature());
    EXPECT_TRUE(moved.signature());
    auto fence = queue.launch(kernel, {1}, {1}, 1u);
    ASSERT_FALSE(fence);
    EXPECT_EQ(fence.status().errnum(), EBADF);
    EXPECT_EQ(fence.status().message(), "dispatch 0: use of a moved-from vsvm::Kernel");
    EXPECT_EQ(TypedKernel<uint32_t>::create(std::move(kernel)).status().errnum(), EBADF);
}

TEST_F(LifetimeTest, ADependencyOnAnotherDevicesJobIsRefused)
{
    Vm vm = createVm();
    Kernel kernel = test::assembleKernel();
    expectJobs(1);
    Fence first = ComputeQueue(vm).launch(kernel, {1}, {1}).value();

    UniqueFd otherFd = test::openDevNull();
    int other = otherFd.get();
    EXPECT_CALL(os_, open("/dev/dri/renderD129")).WillOnce(Return(ByMove(Result<UniqueFd>(std::move(otherFd)))));
    EXPECT_CALL(os_, getVersion(other)).WillOnce(Return(DriverVersion{.name = "vsvm", .major = 0, .minor = 2, .patchlevel = 0, .description = "test"}));
    Device otherDevice = Device::open(os_, "/dev/dri/renderD129").value();
    EXPECT_CALL(os_, vmCreate(other, _)).WillOnce(Return(0));
    EXPECT_CALL(os_, vmDestroy(other, _)).WillOnce(Return(0));
    Vm otherVm = Vm::create(otherDevice).value();

    auto after = ComputeQueue(otherVm).launchAfter({first}, kernel, {1}, {1});

    ASSERT_FALSE(after);
    EXPECT_EQ(after.status().errnum(), EINVAL);
    EXPECT_THAT(after.status().message(), HasSubstr("dependency 1 is a job of another device (/dev/dri/renderD128)"));
}

} // namespace
} // namespace vsvm
