// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include <vulkan/vulkan.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "vsvm/oracle/oracle.h"

namespace vsvm::oracle {
namespace {

constexpr const char* kLavapipeIcd = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";

Status vkError(const char* call, VkResult result)
{
    return Status::error(EINVAL, fmt::format("lavapipe: {} failed: VkResult {}", call, static_cast<int>(result)));
}

// A handle owned by a device, destroyed with its vkDestroy*/vkFree* call.
template <typename T>
class Owned {
public:
    using Destroy = void (*)(VkDevice, T, const VkAllocationCallbacks*);

    Owned() = default;
    Owned(VkDevice device, T handle, Destroy destroy) : device_(device), handle_(handle), destroy_(destroy) {}
    Owned(Owned&& other) noexcept { *this = std::move(other); }
    Owned& operator=(Owned&& other) noexcept
    {
        reset();
        device_ = other.device_;
        handle_ = std::exchange(other.handle_, VK_NULL_HANDLE);
        destroy_ = other.destroy_;
        return *this;
    }
    Owned(const Owned&) = delete;
    Owned& operator=(const Owned&) = delete;
    ~Owned() { reset(); }

    T get() const { return handle_; }

private:
    void reset()
    {
        if (handle_ != VK_NULL_HANDLE)
            destroy_(device_, handle_, nullptr);
        handle_ = VK_NULL_HANDLE;
    }

    VkDevice device_ = VK_NULL_HANDLE;
    T handle_ = VK_NULL_HANDLE;
    Destroy destroy_ = nullptr;
};

struct InstanceDeleter {
    void operator()(VkInstance instance) const { vkDestroyInstance(instance, nullptr); }
};
struct DeviceDeleter {
    void operator()(VkDevice device) const { vkDestroyDevice(device, nullptr); }
};
using InstancePtr = std::unique_ptr<std::remove_pointer_t<VkInstance>, InstanceDeleter>;
using DevicePtr = std::unique_ptr<std::remove_pointer_t<VkDevice>, DeviceDeleter>;

// One imported page range.
struct Import {
    std::uintptr_t begin = 0; // page-aligned host address
    std::uintptr_t end = 0;
    Owned<VkBuffer> buffer;
    Owned<VkDeviceMemory> memory;
    VkDeviceAddress address = 0;
};

class Lavapipe final : public LavapipeOracle {
public:
    Lavapipe(InstancePtr instance, VkPhysicalDevice physical, DevicePtr device, std::uint32_t family,
             std::string description, std::size_t alignment, std::uint32_t maxPushConstants)
        : instance_(std::move(instance)), physical_(physical), device_(std::move(device)), family_(family),
          description_(std::move(description)), alignment_(alignment), maxPushConstants_(maxPushConstants)
    {
        vkGetDeviceQueue(device_.get(), family_, 0, &queue_);
        hostPointerProperties_ = reinterpret_cast<PFN_vkGetMemoryHostPointerPropertiesEXT>(
            vkGetDeviceProcAddr(device_.get(), "vkGetMemoryHostPointerPropertiesEXT"));
    }

    ~Lavapipe() override
    {
        if (device_)
            vkDeviceWaitIdle(device_.get());
    }

    std::string deviceDescription() const override { return description_; }
    std::size_t importAlignment() const override { return alignment_; }
    bool hostAddressesAreDeviceAddresses() const override { return imported_ && identity_; }

    Status run(std::span<const std::uint32_t> spirv, std::string_view entry, std::span<const Arg> args,
               const NDRange& range, std::span<const HostBuffer> buffers, bool pointersInData) override
    {
        VkDevice dev = device_.get();
        if (!hostPointerProperties_)
            return Status::error(ENOTSUP, "lavapipe: vkGetMemoryHostPointerPropertiesEXT is missing");

        // The page ranges of the buffers, merged where they touch.
        std::vector<std::pair<std::uintptr_t, std::uintptr_t>> pages;
        for (const HostBuffer& b : buffers) {
            if (!b.size)
                continue;
            auto base = reinterpret_cast<std::uintptr_t>(b.base);
            pages.emplace_back(base & ~(alignment_ - 1), (base + b.size + alignment_ - 1) & ~(alignment_ - 1));
        }
        std::sort(pages.begin(), pages.end());
        std::vector<Import> imports;
        for (auto [begin, end] : pages) {
            if (!imports.empty() && begin <= imports.back().end) {
                imports.back().end = std::max(imports.back().end, end);
                continue;
            }
            imports.push_back({.begin = begin, .end = end});
        }
        bool identity = true;
        for (Import& import : imports) {
            if (Status status = importRange(import); !status.ok())
                return status;
            identity = identity && import.address == import.begin;
        }
        imported_ = imported_ || !imports.empty();
        identity_ = identity_ && identity;
        if (pointersInData && !identity)
            return Status::error(ENOTSUP, "lavapipe: the kernel follows pointers stored in its data, but the device "
                                          "addresses of imported host memory differ from the host addresses");

        // Push constants: in order, each at its natural alignment.
        std::vector<std::uint8_t> push;
        for (std::size_t i = 0; i < args.size(); i++) {
            const Arg& arg = args[i];
            std::uint64_t bits = arg.bits;
            if (arg.kind == Arg::Kind::Pointer && bits) {
                auto it = std::find_if(imports.begin(), imports.end(),
                                       [&](const Import& m) { return bits >= m.begin && bits < m.end; });
                if (it == imports.end())
                    return Status::error(EINVAL, fmt::format("lavapipe: pointer argument {} ({:#x}) is in no declared"
                                                             " buffer", i, bits));
                bits = it->address + (bits - it->begin);
            }
            std::size_t size = arg.size();
            push.resize((push.size() + size - 1) / size * size);
            push.insert(push.end(), reinterpret_cast<const std::uint8_t*>(&bits),
                        reinterpret_cast<const std::uint8_t*>(&bits) + size);
        }
        push.resize((push.size() + 3) / 4 * 4);
        if (push.size() > maxPushConstants_)
            return Status::error(EINVAL, fmt::format("lavapipe: {} bytes of arguments, the device takes {} bytes of "
                                                     "push constants", push.size(), maxPushConstants_));

        std::array<std::uint32_t, 3> groups;
        for (unsigned d = 0; d < 3; d++) {
            if (!range.local[d] || range.global[d] % range.local[d])
                return Status::error(EINVAL, fmt::format("lavapipe: global size {} is not a multiple of local size "
                                                         "{} in dimension {}", range.global[d], range.local[d], d));
            groups[d] = range.global[d] / range.local[d];
        }

        VkShaderModuleCreateInfo moduleInfo{.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                            .codeSize = spirv.size_bytes(),
                                            .pCode = spirv.data()};
        VkShaderModule rawModule;
        if (VkResult r = vkCreateShaderModule(dev, &moduleInfo, nullptr, &rawModule); r != VK_SUCCESS)
            return vkError("vkCreateShaderModule", r);
        Owned<VkShaderModule> module(dev, rawModule, vkDestroyShaderModule);

        VkPushConstantRange pushRange{.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
                                      .offset = 0,
                                      .size = static_cast<std::uint32_t>(push.size())};
        VkPipelineLayoutCreateInfo layoutInfo{.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                              .pushConstantRangeCount = push.empty() ? 0u : 1u,
                                              .pPushConstantRanges = &pushRange};
        VkPipelineLayout rawLayout;
        if (VkResult r = vkCreatePipelineLayout(dev, &layoutInfo, nullptr, &rawLayout); r != VK_SUCCESS)
            return vkError("vkCreatePipelineLayout", r);
        Owned<VkPipelineLayout> layout(dev, rawLayout, vkDestroyPipelineLayout);

        std::array<VkSpecializationMapEntry, 3> entries;
        for (std::uint32_t d = 0; d < 3; d++)
            entries[d] = {.constantID = d, .offset = 4 * d, .size = 4};
        VkSpecializationInfo specialization{.mapEntryCount = 3,
                                            .pMapEntries = entries.data(),
                                            .dataSize = sizeof(range.local),
                                            .pData = range.local.data()};
        std::string entryName(entry);
        VkComputePipelineCreateInfo pipelineInfo{
            .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
            .stage = {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                      .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                      .module = module.get(),
                      .pName = entryName.c_str(),
                      .pSpecializationInfo = &specialization},
            .layout = layout.get(),
        };
        VkPipeline rawPipeline;
        if (VkResult r = vkCreateComputePipelines(dev, VK_NULL_HANDLE, 1, &pipelineInfo, nullptr, &rawPipeline);
            r != VK_SUCCESS)
            return vkError("vkCreateComputePipelines", r);
        Owned<VkPipeline> pipeline(dev, rawPipeline, vkDestroyPipeline);

        VkCommandPoolCreateInfo poolInfo{.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                         .queueFamilyIndex = family_};
        VkCommandPool rawPool;
        if (VkResult r = vkCreateCommandPool(dev, &poolInfo, nullptr, &rawPool); r != VK_SUCCESS)
            return vkError("vkCreateCommandPool", r);
        Owned<VkCommandPool> pool(dev, rawPool, vkDestroyCommandPool);
        VkCommandBufferAllocateInfo cmdInfo{.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                            .commandPool = pool.get(),
                                            .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                            .commandBufferCount = 1};
        VkCommandBuffer cmd; // freed with the pool
        if (VkResult r = vkAllocateCommandBuffers(dev, &cmdInfo, &cmd); r != VK_SUCCESS)
            return vkError("vkAllocateCommandBuffers", r);
        VkCommandBufferBeginInfo begin{.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                       .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
        vkBeginCommandBuffer(cmd, &begin);
        VkMemoryBarrier toDevice{.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                                 .srcAccessMask = VK_ACCESS_HOST_WRITE_BIT,
                                 .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT};
        vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_HOST_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &toDevice, 0,
                             nullptr, 0, nullptr);
        vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.get());
        if (!push.empty())
            vkCmdPushConstants(cmd, layout.get(), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                               static_cast<std::uint32_t>(push.size()), push.data());
        vkCmdDispatch(cmd, groups[0], groups[1], groups[2]);
        VkMemoryBarrier toHost{.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                               .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT,
                               .dstAccessMask = VK_ACCESS_HOST_READ_BIT};
        vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &toHost, 0,
                             nullptr, 0, nullptr);
        if (VkResult r = vkEndCommandBuffer(cmd); r != VK_SUCCESS)
            return vkError("vkEndCommandBuffer", r);

        VkFenceCreateInfo fenceInfo{.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
        VkFence rawFence;
        if (VkResult r = vkCreateFence(dev, &fenceInfo, nullptr, &rawFence); r != VK_SUCCESS)
            return vkError("vkCreateFence", r);
        Owned<VkFence> fence(dev, rawFence, vkDestroyFence);
        VkSubmitInfo submit{.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1, .pCommandBuffers = &cmd};
        auto start = std::chrono::steady_clock::now();
        if (VkResult r = vkQueueSubmit(queue_, 1, &submit, fence.get()); r != VK_SUCCESS)
            return vkError("vkQueueSubmit", r);
        if (VkResult r = vkWaitForFences(dev, 1, &rawFence, VK_TRUE, UINT64_MAX); r != VK_SUCCESS)
            return vkError("vkWaitForFences", r);
        lastDispatch_ = std::chrono::steady_clock::now() - start;
        return {};
    }

    std::chrono::nanoseconds lastDispatchTime() const override { return lastDispatch_; }

private:
    Status importRange(Import& import)
    {
        VkDevice dev = device_.get();
        void* host = reinterpret_cast<void*>(import.begin);
        VkDeviceSize size = import.end - import.begin;

        VkMemoryHostPointerPropertiesEXT hostProps{.sType = VK_STRUCTURE_TYPE_MEMORY_HOST_POINTER_PROPERTIES_EXT};
        if (VkResult r = hostPointerProperties_(dev, VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT, host,
                                                &hostProps);
            r != VK_SUCCESS)
            return vkError("vkGetMemoryHostPointerPropertiesEXT", r);

        VkExternalMemoryBufferCreateInfo external{.sType = VK_STRUCTURE_TYPE_EXTERNAL_MEMORY_BUFFER_CREATE_INFO,
                                                  .handleTypes =
                                                      VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT};
        VkBufferCreateInfo bufferInfo{.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                                      .pNext = &external,
                                      .size = size,
                                      .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                                               VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT,
                                      .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
        VkBuffer rawBuffer;
        if (VkResult r = vkCreateBuffer(dev, &bufferInfo, nullptr, &rawBuffer); r != VK_SUCCESS)
            return vkError("vkCreateBuffer", r);
        import.buffer = Owned<VkBuffer>(dev, rawBuffer, vkDestroyBuffer);

        VkMemoryRequirements requirements;
        vkGetBufferMemoryRequirements(dev, rawBuffer, &requirements);
        VkPhysicalDeviceMemoryProperties memoryProps;
        vkGetPhysicalDeviceMemoryProperties(physical_, &memoryProps);
        std::uint32_t allowed = requirements.memoryTypeBits & hostProps.memoryTypeBits;
        std::uint32_t type = UINT32_MAX;
        for (std::uint32_t i = 0; i < memoryProps.memoryTypeCount && type == UINT32_MAX; i++)
            if ((allowed & (1u << i)) &&
                (memoryProps.memoryTypes[i].propertyFlags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT))
                type = i;
        if (type == UINT32_MAX)
            return Status::error(ENOTSUP, "lavapipe: no host-coherent memory type can import host memory");

        VkMemoryAllocateFlagsInfo flags{.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO,
                                        .flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT};
        VkImportMemoryHostPointerInfoEXT importInfo{.sType = VK_STRUCTURE_TYPE_IMPORT_MEMORY_HOST_POINTER_INFO_EXT,
                                                    .pNext = &flags,
                                                    .handleType =
                                                        VK_EXTERNAL_MEMORY_HANDLE_TYPE_HOST_ALLOCATION_BIT_EXT,
                                                    .pHostPointer = host};
        VkMemoryAllocateInfo allocInfo{.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                                       .pNext = &importInfo,
                                       .allocationSize = size,
                                       .memoryTypeIndex = type};
        VkDeviceMemory rawMemory;
        if (VkResult r = vkAllocateMemory(dev, &allocInfo, nullptr, &rawMemory); r != VK_SUCCESS)
            return vkError("vkAllocateMemory(import host pointer)", r);
        import.memory = Owned<VkDeviceMemory>(dev, rawMemory, vkFreeMemory);
        if (VkResult r = vkBindBufferMemory(dev, rawBuffer, rawMemory, 0); r != VK_SUCCESS)
            return vkError("vkBindBufferMemory", r);
        VkBufferDeviceAddressInfo addressInfo{.sType = VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO,
                                              .buffer = rawBuffer};
        import.address = vkGetBufferDeviceAddress(dev, &addressInfo);
        return {};
    }

    InstancePtr instance_;
    VkPhysicalDevice physical_;
    DevicePtr device_;
    std::uint32_t family_;
    std::string description_;
    std::size_t alignment_;
    std::uint32_t maxPushConstants_;
    VkQueue queue_ = VK_NULL_HANDLE;
    PFN_vkGetMemoryHostPointerPropertiesEXT hostPointerProperties_ = nullptr;
    bool imported_ = false;
    bool identity_ = true;
    std::chrono::nanoseconds lastDispatch_{0};
};

bool hasExtension(VkPhysicalDevice physical, const char* name)
{
    std::uint32_t count = 0;
    vkEnumerateDeviceExtensionProperties(physical, nullptr, &count, nullptr);
    std::vector<VkExtensionProperties> extensions(count);
    vkEnumerateDeviceExtensionProperties(physical, nullptr, &count, extensions.data());
    return std::any_of(extensions.begin(), extensions.end(),
                       [&](const VkExtensionProperties& e) { return std::strcmp(e.extensionName, name) == 0; });
}

} // namespace

Result<std::unique_ptr<LavapipeOracle>> LavapipeOracle::open()
{
    // Only lavapipe: no GPU driver probed (and none picked by mistake).
    if (!std::getenv("VK_DRIVER_FILES") && !std::getenv("VK_ICD_FILENAMES") &&
        std::filesystem::exists(kLavapipeIcd))
        setenv("VK_DRIVER_FILES", kLavapipeIcd, 0);

    VkApplicationInfo app{.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                          .pApplicationName = "vsvm-oracle",
                          .apiVersion = VK_API_VERSION_1_2};
    VkInstanceCreateInfo instanceInfo{.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, .pApplicationInfo = &app};
    VkInstance rawInstance;
    if (VkResult r = vkCreateInstance(&instanceInfo, nullptr, &rawInstance); r != VK_SUCCESS)
        return Status::error(ENODEV, fmt::format("lavapipe: vkCreateInstance failed (VkResult {}): is a Vulkan driver "
                                                 "installed (mesa-vulkan-drivers, {})? {}",
                                                 static_cast<int>(r), kLavapipeIcd, kDepsAdvice));
    InstancePtr instance(rawInstance);

    std::uint32_t count = 0;
    vkEnumeratePhysicalDevices(rawInstance, &count, nullptr);
    std::vector<VkPhysicalDevice> physicals(count);
    vkEnumeratePhysicalDevices(rawInstance, &count, physicals.data());
    for (VkPhysicalDevice physical : physicals) {
        VkPhysicalDeviceDriverProperties driver{.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
        VkPhysicalDeviceExternalMemoryHostPropertiesEXT hostProps{
            .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_EXTERNAL_MEMORY_HOST_PROPERTIES_EXT, .pNext = &driver};
        VkPhysicalDeviceProperties2 props{.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &hostProps};
        vkGetPhysicalDeviceProperties2(physical, &props);
        if (driver.driverID != VK_DRIVER_ID_MESA_LLVMPIPE)
            continue;
        std::string name = props.properties.deviceName;
        if (!hasExtension(physical, VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME))
            return Status::error(ENOTSUP, fmt::format("lavapipe: {} lacks {}", name,
                                                      VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME));

        VkPhysicalDeviceVulkan11Features have11{.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
        VkPhysicalDeviceVulkan12Features have12{.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
                                                .pNext = &have11};
        VkPhysicalDeviceFeatures2 have{.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &have12};
        vkGetPhysicalDeviceFeatures2(physical, &have);
        if (!have12.bufferDeviceAddress || !have.features.shaderInt64)
            return Status::error(ENOTSUP, fmt::format("lavapipe: {} lacks bufferDeviceAddress or shaderInt64", name));

        std::uint32_t families = 0;
        vkGetPhysicalDeviceQueueFamilyProperties(physical, &families, nullptr);
        std::vector<VkQueueFamilyProperties> familyProps(families);
        vkGetPhysicalDeviceQueueFamilyProperties(physical, &families, familyProps.data());
        std::uint32_t family = UINT32_MAX;
        for (std::uint32_t i = 0; i < families && family == UINT32_MAX; i++)
            if (familyProps[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
                family = i;
        if (family == UINT32_MAX)
            return Status::error(ENOTSUP, fmt::format("lavapipe: {} has no compute queue", name));

        // What the corpus's shaders may use, as far as the device has it:
        // 8/16-bit storage and arithmetic, 64-bit integers, device addresses.
        VkPhysicalDeviceVulkan11Features want11{.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
                                                .storageBuffer16BitAccess = have11.storageBuffer16BitAccess,
                                                .uniformAndStorageBuffer16BitAccess =
                                                    have11.uniformAndStorageBuffer16BitAccess};
        VkPhysicalDeviceVulkan12Features want12{.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
                                                .pNext = &want11,
                                                .storageBuffer8BitAccess = have12.storageBuffer8BitAccess,
                                                .uniformAndStorageBuffer8BitAccess =
                                                    have12.uniformAndStorageBuffer8BitAccess,
                                                .shaderBufferInt64Atomics = have12.shaderBufferInt64Atomics,
                                                .shaderSharedInt64Atomics = have12.shaderSharedInt64Atomics,
                                                .shaderInt8 = have12.shaderInt8,
                                                .bufferDeviceAddress = VK_TRUE};
        VkPhysicalDeviceFeatures2 want{.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &want12};
        want.features.shaderInt64 = VK_TRUE;
        want.features.shaderInt16 = have.features.shaderInt16;
        float priority = 1.0f;
        VkDeviceQueueCreateInfo queueInfo{.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                          .queueFamilyIndex = family,
                                          .queueCount = 1,
                                          .pQueuePriorities = &priority};
        const char* extensions[] = {VK_EXT_EXTERNAL_MEMORY_HOST_EXTENSION_NAME};
        VkDeviceCreateInfo deviceInfo{.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                                      .pNext = &want,
                                      .queueCreateInfoCount = 1,
                                      .pQueueCreateInfos = &queueInfo,
                                      .enabledExtensionCount = 1,
                                      .ppEnabledExtensionNames = extensions};
        VkDevice rawDevice;
        if (VkResult r = vkCreateDevice(physical, &deviceInfo, nullptr, &rawDevice); r != VK_SUCCESS)
            return vkError("vkCreateDevice", r);
        DevicePtr device(rawDevice);
        std::string description = fmt::format("{} ({})", name, driver.driverInfo);
        return std::unique_ptr<LavapipeOracle>(std::make_unique<Lavapipe>(
            std::move(instance), physical, std::move(device), family, std::move(description),
            static_cast<std::size_t>(hostProps.minImportedHostPointerAlignment),
            props.properties.limits.maxPushConstantsSize));
    }
    return Status::error(ENODEV, fmt::format("lavapipe: none of the {} Vulkan devices is lavapipe (llvmpipe): is "
                                             "mesa-vulkan-drivers installed ({})? {}",
                                             count, kLavapipeIcd, kDepsAdvice));
}

} // namespace vsvm::oracle
