// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

// A device and VMs on a StrictMock of os::Os, for the runtime's tests: an
// ioctl a test does not expect fails it.

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mock_os.h"
#include "vsvm/runtime.h"

namespace vsvm::test {

inline constexpr uint32_t kVmId = 7;
inline constexpr uint32_t kSyncobj = 42;
inline constexpr uint64_t kJobId = 1234;
inline constexpr int64_t kNow = 5'000'000'000;

inline uint64_t address(const void* pointer)
{
    return reinterpret_cast<uintptr_t>(pointer);
}

/// A kernel of @p source; the test fails if it does not assemble.
inline Kernel assembleKernel(const char* source = "s_nop\ns_endpgm\n")
{
    auto kernel = Kernel::fromAssembly(source);
    EXPECT_TRUE(kernel) << kernel.status().message();
    return std::move(kernel).value();
}

class RuntimeTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        UniqueFd fd = openDevNull();
        fd_ = fd.get();
        EXPECT_CALL(os_, open("/dev/dri/renderD128"))
            .WillOnce(::testing::Return(::testing::ByMove(Result<UniqueFd>(std::move(fd)))));
        EXPECT_CALL(os_, getVersion(fd_))
            .WillOnce(::testing::Return(
                DriverVersion{.name = "vsvm", .major = 0, .minor = 2, .patchlevel = 0, .description = "test"}));
        auto device = Device::open(os_, "/dev/dri/renderD128");
        ASSERT_TRUE(device) << device.status().message();
        device_.emplace(std::move(*device));
        EXPECT_CALL(os_, monotonicNs()).WillRepeatedly(::testing::Return(kNow));
    }

    /// A VM of id @p id, destroyed exactly once by the test's end.
    Vm createVm(uint32_t id = kVmId)
    {
        EXPECT_CALL(os_, vmCreate(fd_, ::testing::_)).WillOnce([id](int, drm_vsvm_vm_create& args) {
            args.vm_id = id;
            return 0;
        });
        auto vm = Vm::create(*device_);
        EXPECT_TRUE(vm) << vm.status().message();
        EXPECT_CALL(os_, vmDestroy(fd_, ::testing::Field(&drm_vsvm_vm_destroy::vm_id, id)))
            .WillOnce(::testing::Return(0));
        return std::move(vm).value();
    }

    /// The next submission gets syncobj @p handle, which its fence destroys.
    void expectSyncobj(uint32_t handle = kSyncobj)
    {
        EXPECT_CALL(os_, syncobjCreate(fd_)).WillOnce(::testing::Return(Result<uint32_t>(handle)));
        EXPECT_CALL(os_, syncobjDestroy(fd_, handle)).WillOnce(::testing::Return(0));
    }

    /// The next @p times execs get job ids nextJobId_, nextJobId_ + 1, ...
    /// and are recorded.
    void expectExec(int times = 1)
    {
        EXPECT_CALL(os_, exec(fd_, ::testing::_)).Times(times).WillRepeatedly([this](int, drm_vsvm_exec& args) {
            exec_ = args;
            auto* in = reinterpret_cast<const uint32_t*>(args.in_syncobjs_ptr);
            inSyncobjs_.assign(in, in + args.num_in_syncobjs);
            if (args.engine == DRM_VSVM_ENGINE_COMPUTE) {
                auto* cmds = reinterpret_cast<const drm_vsvm_dispatch*>(args.cmds_ptr);
                dispatches_.assign(cmds, cmds + args.num_cmds);
                allDispatches_.insert(allDispatches_.end(), cmds, cmds + args.num_cmds);
            } else {
                auto* cmds = reinterpret_cast<const drm_vsvm_cmd*>(args.cmds_ptr);
                copyCmds_.assign(cmds, cmds + args.num_cmds);
            }
            args.job_id = nextJobId_++;
            return 0;
        });
    }

    /// @p times submissions: a syncobj each (destroyed by its Fence) and an exec.
    void expectJobs(int times)
    {
        EXPECT_CALL(os_, syncobjCreate(fd_)).Times(times).WillRepeatedly([this](int) {
            return Result<uint32_t>(nextSyncobj_++);
        });
        EXPECT_CALL(os_, syncobjDestroy(fd_, ::testing::_)).Times(times).WillRepeatedly(::testing::Return(0));
        expectExec(times);
    }

    /// Every wait of job @p jobId ends it with @p status (DRM_VSVM_JOB_*).
    void answerWait(uint64_t jobId, uint32_t status, uint64_t faultAddress = 0)
    {
        EXPECT_CALL(os_, wait(fd_, ::testing::Field(&drm_vsvm_wait::job_id, jobId)))
            .WillRepeatedly([status, faultAddress](int, drm_vsvm_wait& args) {
                args.status = status;
                args.fault_addr = faultAddress;
                args.fault_access = faultAddress ? DRM_VSVM_ACCESS_WRITE : 0;
                args.pc = faultAddress ? 0x18 : 0;
                return 0;
            });
    }

    ::testing::StrictMock<MockOs> os_;
    int fd_ = -1;
    std::optional<Device> device_;
    drm_vsvm_exec exec_{};
    std::vector<uint32_t> inSyncobjs_;
    std::vector<drm_vsvm_dispatch> dispatches_;
    std::vector<drm_vsvm_dispatch> allDispatches_;
    std::vector<drm_vsvm_cmd> copyCmds_;
    uint64_t nextJobId_ = kJobId;
    uint32_t nextSyncobj_ = 100;
};

/// A RuntimeTest with a VM and a compute queue on it.
class ComputeQueueTest : public RuntimeTest {
protected:
    void SetUp() override
    {
        RuntimeTest::SetUp();
        vm_.emplace(createVm());
        queue_.emplace(*vm_);
    }

    std::optional<Vm> vm_;
    std::optional<ComputeQueue> queue_;
};

} // namespace vsvm::test
