// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The C API (vsvm/vsvm.h): return values, vsvm_last_error(), argument
// checks, waits, on a device of the mocked os::Os (capi::wrapDevice()).

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "capi/capi.h"
#include "runtime_fixture.h"
#include "vsvm/vsvm.h"

namespace vsvm {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Return;
using test::kJobId;

constexpr const char* kSaxpy = ".args ptr x, ptr y, u32 n, f32 a\ns_endpgm\n";

TEST(CApi, WithoutADeviceOpenSaysWhy)
{
    if (std::filesystem::exists("/sys/module/vsvm"))
        GTEST_SKIP() << "the vsvm module is loaded here";
    vsvm_device* device = nullptr;

    int status = vsvm_device_open(0, &device);

    EXPECT_TRUE(status == VSVM_ERROR_NO_DEVICE || status == VSVM_ERROR_PERMISSION) << vsvm_error_name(status);
    EXPECT_EQ(device, nullptr);
    EXPECT_THAT(vsvm_last_error(), ::testing::AnyOf(HasSubstr("the vsvm kernel module is not loaded"),
                                                    HasSubstr("may not open it")));
}

TEST(CApi, NullPointersAreInvalidArguments)
{
    EXPECT_EQ(vsvm_device_open(0, nullptr), VSVM_ERROR_INVALID_ARGUMENT);
    EXPECT_STREQ(vsvm_last_error(), "vsvm_device_open: device is NULL");
    EXPECT_EQ(vsvm_vm_create(nullptr, nullptr), VSVM_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(vsvm_fence_wait(nullptr, 0, nullptr), VSVM_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(vsvm_kernel_from_assembly(nullptr, nullptr), VSVM_ERROR_INVALID_ARGUMENT);
    // Releasing nothing is fine.
    vsvm_device_close(nullptr);
    vsvm_vm_destroy(nullptr);
    vsvm_kernel_destroy(nullptr);
    vsvm_fence_destroy(nullptr);
}

TEST(CApi, ErrorNamesAndMessages)
{
    EXPECT_STREQ(vsvm_error_name(VSVM_ERROR_NO_DEVICE), "VSVM_ERROR_NO_DEVICE");
    EXPECT_STREQ(vsvm_error_name(VSVM_NOT_READY), "VSVM_NOT_READY");
    EXPECT_STREQ(vsvm_error_name(-100), "unknown vsvm status");
}

TEST(CApi, KernelsFromAssemblyAndFromWords)
{
    vsvm_kernel* kernel = nullptr;
    EXPECT_EQ(vsvm_kernel_from_assembly("s_nop\nv_frob v1\n", &kernel), VSVM_ERROR_BAD_KERNEL);
    EXPECT_THAT(vsvm_last_error(), HasSubstr("2:1: unknown instruction 'v_frob'"));
    EXPECT_EQ(kernel, nullptr);

    ASSERT_EQ(vsvm_kernel_from_assembly(kSaxpy, &kernel), VSVM_OK) << vsvm_last_error();
    EXPECT_STREQ(vsvm_last_error(), "");
    vsvm_kernel_destroy(kernel);

    const uint64_t words[] = {1};
    EXPECT_EQ(vsvm_kernel_from_words(words, 1, 0, "ptr x, half y", &kernel), VSVM_ERROR_BAD_KERNEL);
    EXPECT_THAT(vsvm_last_error(), HasSubstr("unknown argument type 'half'"));
    EXPECT_EQ(vsvm_kernel_from_words(words, 1, 8, nullptr, &kernel), VSVM_ERROR_BAD_KERNEL);
    EXPECT_THAT(vsvm_last_error(), HasSubstr("kernel entry 0x8"));
    ASSERT_EQ(vsvm_kernel_from_words(words, 1, 0, "ptr x", &kernel), VSVM_OK) << vsvm_last_error();
    vsvm_kernel_destroy(kernel);
}

class CApiTest : public test::RuntimeTest {
protected:
    void SetUp() override
    {
        RuntimeTest::SetUp();
        device_c_ = capi::wrapDevice(std::move(*device_));
        EXPECT_CALL(os_, vmCreate(fd_, _)).WillOnce([](int, drm_vsvm_vm_create& args) {
            args.vm_id = test::kVmId;
            return 0;
        });
        EXPECT_CALL(os_, vmDestroy(fd_, _)).WillOnce(Return(0));
        ASSERT_EQ(vsvm_vm_create(device_c_, &vm_), VSVM_OK) << vsvm_last_error();
        ASSERT_EQ(vsvm_kernel_from_assembly(kSaxpy, &kernel_), VSVM_OK) << vsvm_last_error();
    }

    void TearDown() override
    {
        vsvm_kernel_destroy(kernel_);
        vsvm_vm_destroy(vm_);
        vsvm_device_close(device_c_);
    }

    int launch(vsvm_arg last, vsvm_fence** fence)
    {
        const vsvm_arg args[] = {vsvm_arg_ptr(x_), vsvm_arg_ptr(y_), vsvm_arg_u32(4), last};
        return vsvm_launch(vm_, kernel_, groups_, lanes_, args, 4, fence);
    }

    vsvm_device* device_c_ = nullptr;
    vsvm_vm* vm_ = nullptr;
    vsvm_kernel* kernel_ = nullptr;
    float x_[4] = {};
    float y_[4] = {};
    const uint32_t groups_[3] = {1, 1, 1};
    const uint32_t lanes_[3] = {4, 1, 1};
};

TEST_F(CApiTest, ADoubleForAFloatIsRefusedBeforeAnyIoctl)
{
    vsvm_fence* fence = nullptr;

    EXPECT_EQ(launch(vsvm_arg_f64(2.0), &fence), VSVM_ERROR_INVALID_ARGUMENT);

    EXPECT_EQ(fence, nullptr);
    EXPECT_STREQ(vsvm_last_error(),
                 "vsvm_launch: dispatch 0: kernel argument 4 (f32 a) is given a double, but f32 takes a float");
}

TEST_F(CApiTest, AMissingArgumentOrAnUnknownTypeIsRefused)
{
    vsvm_fence* fence = nullptr;
    const vsvm_arg args[] = {vsvm_arg_ptr(x_), vsvm_arg_ptr(y_), vsvm_arg_u32(4)};
    EXPECT_EQ(vsvm_launch(vm_, kernel_, groups_, lanes_, args, 3, &fence), VSVM_ERROR_INVALID_ARGUMENT);
    EXPECT_THAT(vsvm_last_error(), HasSubstr("takes 4 arguments (ptr x, ptr y, u32 n, f32 a), not 3"));

    vsvm_arg strange = vsvm_arg_f32(2.0f);
    strange.type = 99;
    EXPECT_EQ(launch(strange, &fence), VSVM_ERROR_INVALID_ARGUMENT);
    EXPECT_STREQ(vsvm_last_error(), "vsvm_launch: argument 4 has type 99, not a VSVM_ARG_* value");
}

TEST_F(CApiTest, LaunchPollWaitAndFinishReportTheFault)
{
    expectJobs(1);
    vsvm_fence* fence = nullptr;
    ASSERT_EQ(launch(vsvm_arg_f32(2.0f), &fence), VSVM_OK) << vsvm_last_error();
    ASSERT_EQ(dispatches_.size(), 1u);
    EXPECT_EQ(dispatches_[0].args[3], 0x40000000u);
    EXPECT_CALL(os_, wait(fd_, _)).WillOnce(Return(-ETIME)).WillOnce(Return(-ETIME)).WillOnce(
        [](int, drm_vsvm_wait& args) {
            args.status = DRM_VSVM_JOB_FAULT;
            args.fault_access = DRM_VSVM_ACCESS_READ;
            args.fault_addr = 0x8000;
            args.pc = 0x10;
            return 0;
        });

    vsvm_job_result result{};
    EXPECT_EQ(vsvm_fence_poll(fence, &result), VSVM_NOT_READY);
    EXPECT_EQ(vsvm_fence_wait(fence, 1000, &result), VSVM_ERROR_TIMEOUT);
    EXPECT_EQ(vsvm_fence_wait(fence, -1, &result), VSVM_ERROR_JOB_FAILED);
    EXPECT_EQ(result.status, uint32_t{VSVM_JOB_FAULT});
    EXPECT_EQ(result.fault_access, 1u);
    EXPECT_EQ(result.fault_address, 0x8000u);
    EXPECT_EQ(result.pc, 0x10u);
    EXPECT_STREQ(vsvm_last_error(), "job 1234 of vm 7: fault: read at 0x8000 (pc 0x10, command 0)");

    vsvm_job_result finished{};
    EXPECT_EQ(vsvm_vm_finish(vm_, -1, &finished), VSVM_ERROR_JOB_FAILED);
    EXPECT_EQ(finished.fault_address, 0x8000u);
    EXPECT_EQ(vsvm_vm_finish(vm_, -1, nullptr), VSVM_OK);
    vsvm_fence_destroy(fence);
}

TEST_F(CApiTest, ClosingTheDeviceFirstLeavesTheVmUsable)
{
    vsvm_device_close(device_c_);
    device_c_ = nullptr;
    expectJobs(1);
    answerWait(kJobId, DRM_VSVM_JOB_OK);

    vsvm_fence* fence = nullptr;
    ASSERT_EQ(launch(vsvm_arg_f32(1.0f), &fence), VSVM_OK) << vsvm_last_error();
    vsvm_job_result result{};
    EXPECT_EQ(vsvm_fence_wait(fence, -1, &result), VSVM_OK);
    EXPECT_EQ(result.status, uint32_t{VSVM_JOB_OK});
    vsvm_fence_destroy(fence);
}

} // namespace
} // namespace vsvm
