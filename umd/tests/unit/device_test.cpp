// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include <cerrno>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mock_os.h"
#include "vsvm/device.h"

namespace vsvm {
namespace {

using ::testing::_;
using ::testing::ByMove;
using ::testing::HasSubstr;
using ::testing::Return;
using ::testing::StrictMock;

static_assert(!std::is_copy_constructible_v<Device> && !std::is_copy_assignable_v<Device>);
static_assert(std::is_nothrow_move_constructible_v<Device>);

constexpr uint64_t kSize4K = 4096;
constexpr uint64_t kSize2M = 2 * 1024 * 1024;

// Parameter values of a device as the uapi header documents them.
const std::map<uint32_t, uint64_t> kDocumentedParams = {
    {DRM_VSVM_PARAM_UAPI_VERSION, DRM_VSVM_UAPI_VERSION},
    {DRM_VSVM_PARAM_CAPABILITIES, 0},
    {DRM_VSVM_PARAM_VA_BITS, 48},
    {DRM_VSVM_PARAM_PAGE_SIZES, kSize4K | kSize2M},
    {DRM_VSVM_PARAM_NUM_DEVICES, 1},
};

DriverVersion driverVersion(const std::string& name)
{
    return {.name = name, .major = 0, .minor = 1, .patchlevel = 2, .description = "test driver"};
}

// StrictMock: any OS call a test does not expect fails it, which is how the
// tests show that nodes of other drivers are never opened.
class DeviceTest : public ::testing::Test {
protected:
    /// Expects @p path to be opened once, as a node of @p driverName; returns
    /// the descriptor number the device will get.
    int expectOpen(const std::string& path, const std::string& driverName)
    {
        UniqueFd fd = test::openDevNull();
        int rawFd = fd.get();
        EXPECT_CALL(os_, open(path)).WillOnce(Return(ByMove(Result<UniqueFd>(std::move(fd)))));
        EXPECT_CALL(os_, getVersion(rawFd)).WillOnce(Return(driverVersion(driverName)));
        return rawFd;
    }

    /// Answers every GET_PARAM on @p rawFd from @p params; EINVAL for others.
    void answerParams(int rawFd, const std::map<uint32_t, uint64_t>& params)
    {
        EXPECT_CALL(os_, ioctl(rawFd, DRM_IOCTL_VSVM_GET_PARAM, _))
            .WillRepeatedly([params](int, unsigned long, void* arg) {
                auto* args = static_cast<drm_vsvm_get_param*>(arg);
                auto param = params.find(args->param);
                if (param == params.end())
                    return -EINVAL;
                args->value = param->second;
                return 0;
            });
    }

    Device openDevice(const std::map<uint32_t, uint64_t>& params = kDocumentedParams)
    {
        answerParams(expectOpen("/dev/dri/renderD128", "vsvm"), params);
        auto device = Device::open(os_, "/dev/dri/renderD128");
        EXPECT_TRUE(device) << device.status().message();
        return std::move(device).value();
    }

    StrictMock<test::MockOs> os_;
};

TEST_F(DeviceTest, EnumerateKeepsOnlyVsvmNodes)
{
    EXPECT_CALL(os_, enumerateDevices())
        .WillOnce(Return(std::vector<os::DrmNode>{
            {"/dev/dri/renderD128", "i915"},
            {"/dev/dri/renderD129", "vsvm"},
            {"/dev/dri/renderD130", "vgem"},
            {"/dev/dri/renderD131", "vsvm"},
        }));
    answerParams(expectOpen("/dev/dri/renderD129", "vsvm"), kDocumentedParams);
    answerParams(expectOpen("/dev/dri/renderD131", "vsvm"), kDocumentedParams);

    auto devices = Device::enumerate(os_);

    ASSERT_TRUE(devices) << devices.status().message();
    ASSERT_EQ(devices->size(), 2u);
    EXPECT_EQ((*devices)[0].path, "/dev/dri/renderD129");
    EXPECT_EQ((*devices)[1].path, "/dev/dri/renderD131");
    EXPECT_EQ((*devices)[0].driver.name, "vsvm");
    EXPECT_EQ((*devices)[1].caps.vaBits, 48u);
}

TEST_F(DeviceTest, EnumerateWithoutVsvmNodesIsEmptyNotAnError)
{
    EXPECT_CALL(os_, enumerateDevices())
        .WillOnce(Return(std::vector<os::DrmNode>{{"/dev/dri/renderD128", "i915"}}));

    auto devices = Device::enumerate(os_);

    ASSERT_TRUE(devices) << devices.status().message();
    EXPECT_TRUE(devices->empty());
}

TEST_F(DeviceTest, EnumerateReportsAFailedListing)
{
    EXPECT_CALL(os_, enumerateDevices())
        .WillOnce(Return(Status::fromErrno(EACCES, "list /dev/dri")));

    auto devices = Device::enumerate(os_);

    ASSERT_FALSE(devices);
    EXPECT_EQ(devices.status().errnum(), EACCES);
}

TEST_F(DeviceTest, OpenAcceptsAVsvmNode)
{
    expectOpen("/dev/dri/renderD128", "vsvm");

    auto device = Device::open(os_, "/dev/dri/renderD128");

    ASSERT_TRUE(device) << device.status().message();
    EXPECT_EQ(device->path(), "/dev/dri/renderD128");
    EXPECT_EQ(device->driverVersion().name, "vsvm");
    EXPECT_EQ(device->driverVersion().patchlevel, 2);
}

TEST_F(DeviceTest, OpenRejectsANodeOfAnotherDriver)
{
    expectOpen("/dev/dri/renderD128", "i915");

    auto device = Device::open(os_, "/dev/dri/renderD128");

    ASSERT_FALSE(device);
    EXPECT_EQ(device.status().errnum(), ENODEV);
    EXPECT_THAT(device.status().message(), HasSubstr("\"i915\""));
}

TEST_F(DeviceTest, OpenReportsTheErrnoOfAFailedOpen)
{
    EXPECT_CALL(os_, open("/dev/dri/renderD128"))
        .WillOnce(Return(ByMove(Result<UniqueFd>(
            Status::fromErrno(EACCES, "open /dev/dri/renderD128")))));

    auto device = Device::open(os_, "/dev/dri/renderD128");

    ASSERT_FALSE(device);
    EXPECT_EQ(device.status().errnum(), EACCES);
}

TEST_F(DeviceTest, OpenByIndexCountsOnlyVsvmNodes)
{
    EXPECT_CALL(os_, enumerateDevices())
        .WillOnce(Return(std::vector<os::DrmNode>{
            {"/dev/dri/renderD128", "vsvm"},
            {"/dev/dri/renderD129", "i915"},
            {"/dev/dri/renderD130", "vsvm"},
        }));
    expectOpen("/dev/dri/renderD130", "vsvm");

    auto device = Device::open(os_, std::size_t{1});

    ASSERT_TRUE(device) << device.status().message();
    EXPECT_EQ(device->path(), "/dev/dri/renderD130");
}

TEST_F(DeviceTest, OpenByIndexPastTheLastDeviceFails)
{
    EXPECT_CALL(os_, enumerateDevices())
        .WillOnce(Return(std::vector<os::DrmNode>{{"/dev/dri/renderD128", "vsvm"}}));

    auto device = Device::open(os_, std::size_t{1});

    ASSERT_FALSE(device);
    EXPECT_EQ(device.status().errnum(), ENODEV);
}

// No device: the message says why, and a node this user cannot open is
// never left out silently.
TEST_F(DeviceTest, WithoutTheModuleNoDeviceSaysItIsNotLoaded)
{
    EXPECT_CALL(os_, enumerateDevices())
        .Times(2)
        .WillRepeatedly(Return(std::vector<os::DrmNode>{{"/dev/dri/renderD128", "i915", 0}}));
    EXPECT_CALL(os_, driverLoaded("vsvm")).Times(2).WillRepeatedly(Return(false));

    auto device = Device::open(os_, std::size_t{0});
    Status why = Device::noDeviceStatus(os_);

    ASSERT_FALSE(device);
    EXPECT_EQ(device.status().errnum(), ENODEV);
    EXPECT_EQ(device.status().message(), "no vsvm device: the vsvm kernel module is not loaded (modprobe vsvm)");
    EXPECT_EQ(why.message(), device.status().message());
}

TEST_F(DeviceTest, WithTheModuleLoadedButNoNodeNoDeviceSaysSo)
{
    EXPECT_CALL(os_, enumerateDevices()).WillOnce(Return(std::vector<os::DrmNode>{}));
    EXPECT_CALL(os_, driverLoaded("vsvm")).WillOnce(Return(true));

    auto device = Device::open(os_, std::size_t{0});

    ASSERT_FALSE(device);
    EXPECT_EQ(device.status().errnum(), ENODEV);
    EXPECT_THAT(device.status().message(),
                HasSubstr("no vsvm device: the vsvm module is loaded, but no render node in /dev/dri is vsvm's"));
}

TEST_F(DeviceTest, AVsvmNodeThisUserMayNotOpenIsAnErrorThatNamesIt)
{
    EXPECT_CALL(os_, enumerateDevices())
        .Times(3)
        .WillRepeatedly(Return(std::vector<os::DrmNode>{{"/dev/dri/renderD128", "vsvm", EACCES}}));

    auto devices = Device::enumerate(os_);
    auto device = Device::open(os_, std::size_t{0});
    Status why = Device::noDeviceStatus(os_);

    ASSERT_FALSE(devices);
    EXPECT_EQ(devices.status().errnum(), EACCES);
    EXPECT_EQ(devices.status().message(),
              "/dev/dri/renderD128 is a vsvm render node, and this user may not open it (Permission denied): "
              "add the user to the group that owns it (ls -l /dev/dri/renderD128; usually 'render'), or run as "
              "root");
    EXPECT_EQ(device.status().message(), devices.status().message());
    EXPECT_EQ(why.errnum(), EACCES);
}

TEST_F(DeviceTest, ANodeOfUnknownDriverThatCannotBeOpenedMayBeVsvms)
{
    EXPECT_CALL(os_, enumerateDevices())
        .WillOnce(Return(std::vector<os::DrmNode>{{"/dev/dri/renderD128", "vsvm", 0},
                                                  {"/dev/dri/renderD129", "", EIO}}));

    auto devices = Device::enumerate(os_);

    ASSERT_FALSE(devices);
    EXPECT_EQ(devices.status().errnum(), EIO);
    EXPECT_EQ(devices.status().message(), "/dev/dri/renderD129 may be a vsvm render node (its driver is unknown), "
                                          "and it cannot be opened: Input/output error");
}

TEST_F(DeviceTest, AnUnopenableNodeOfAnotherDriverIsNotVsvms)
{
    EXPECT_CALL(os_, enumerateDevices())
        .WillOnce(Return(std::vector<os::DrmNode>{{"/dev/dri/renderD128", "i915", EACCES},
                                                  {"/dev/dri/renderD129", "vsvm", 0}}));
    answerParams(expectOpen("/dev/dri/renderD129", "vsvm"), kDocumentedParams);

    auto devices = Device::enumerate(os_);

    ASSERT_TRUE(devices) << devices.status().message();
    ASSERT_EQ(devices->size(), 1u);
    EXPECT_EQ((*devices)[0].path, "/dev/dri/renderD129");
}

TEST_F(DeviceTest, OpenByIndexPastTheLastSaysHowManyThereAre)
{
    EXPECT_CALL(os_, enumerateDevices())
        .WillOnce(Return(std::vector<os::DrmNode>{{"/dev/dri/renderD128", "vsvm", 0},
                                                  {"/dev/dri/renderD129", "vsvm", 0}}));

    auto device = Device::open(os_, std::size_t{2});

    ASSERT_FALSE(device);
    EXPECT_EQ(device.status().message(), "vsvm device 2 does not exist: there are 2 (0 to 1)");
}

TEST_F(DeviceTest, QueryParamSendsAZeroInitialisedStruct)
{
    int rawFd = expectOpen("/dev/dri/renderD128", "vsvm");
    auto device = Device::open(os_, "/dev/dri/renderD128");
    ASSERT_TRUE(device) << device.status().message();

    EXPECT_CALL(os_, ioctl(rawFd, DRM_IOCTL_VSVM_GET_PARAM, _))
        .WillOnce([](int, unsigned long, void* arg) {
            auto* args = static_cast<drm_vsvm_get_param*>(arg);
            EXPECT_EQ(args->param, uint32_t{DRM_VSVM_PARAM_VA_BITS});
            EXPECT_EQ(args->extensions, 0u);
            EXPECT_EQ(args->flags, 0u);
            EXPECT_EQ(args->index, 0u);
            EXPECT_EQ(args->pad, 0u);
            EXPECT_EQ(args->value, 0u);
            args->value = 48;
            return 0;
        });

    auto vaBits = device->queryParam(DRM_VSVM_PARAM_VA_BITS);

    ASSERT_TRUE(vaBits) << vaBits.status().message();
    EXPECT_EQ(*vaBits, 48u);
}

TEST_F(DeviceTest, QueryParamTurnsTheIoctlErrnoIntoAStatus)
{
    int rawFd = expectOpen("/dev/dri/renderD128", "vsvm");
    auto device = Device::open(os_, "/dev/dri/renderD128");
    ASSERT_TRUE(device) << device.status().message();
    EXPECT_CALL(os_, ioctl(rawFd, DRM_IOCTL_VSVM_GET_PARAM, _)).WillOnce(Return(-EACCES));

    auto vaBits = device->queryParam(DRM_VSVM_PARAM_VA_BITS);

    ASSERT_FALSE(vaBits);
    EXPECT_EQ(vaBits.status().errnum(), EACCES);
    EXPECT_EQ(vaBits.status().context(),
              "DRM_IOCTL_VSVM_GET_PARAM(VA_BITS) on /dev/dri/renderD128");
}

TEST_F(DeviceTest, QueryInfoDecodesEveryParam)
{
    Device device = openDevice({
        {DRM_VSVM_PARAM_UAPI_VERSION, (2 << 16) | 3},
        {DRM_VSVM_PARAM_CAPABILITIES, 0x5},
        {DRM_VSVM_PARAM_VA_BITS, 57},
        {DRM_VSVM_PARAM_PAGE_SIZES, kSize4K | kSize2M},
        {DRM_VSVM_PARAM_NUM_DEVICES, 3},
    });

    auto info = device.queryInfo();

    ASSERT_TRUE(info) << info.status().message();
    EXPECT_EQ(info->path, "/dev/dri/renderD128");
    EXPECT_EQ(info->driver.name, "vsvm");
    EXPECT_EQ(info->driver.description, "test driver");
    EXPECT_EQ(info->caps.uapiVersion, (UapiVersion{.major = 2, .minor = 3}));
    EXPECT_EQ(info->caps.capabilityBits, 0x5u);
    EXPECT_EQ(info->caps.vaBits, 57u);
    EXPECT_EQ(info->caps.pageSizes, kSize4K | kSize2M);
    EXPECT_EQ(info->caps.numDevices, 3u);
}

TEST_F(DeviceTest, QueryInfoFailsWhenAnyParamFails)
{
    std::map<uint32_t, uint64_t> withoutNumDevices = kDocumentedParams;
    withoutNumDevices.erase(DRM_VSVM_PARAM_NUM_DEVICES);
    Device device = openDevice(withoutNumDevices);

    auto info = device.queryInfo();

    ASSERT_FALSE(info);
    EXPECT_EQ(info.status().errnum(), EINVAL);
    EXPECT_THAT(info.status().context(), HasSubstr("NUM_DEVICES"));
}

} // namespace
} // namespace vsvm
