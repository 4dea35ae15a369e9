// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Contexts, command queues, buffers and SVM allocations.

#include <cstdlib>
#include <new>

#include "info.h"

using namespace vsvm::opencl;

_cl_context::_cl_context() : Object(Kind::Context) {}
_cl_command_queue::_cl_command_queue() : Object(Kind::Queue) {}
_cl_mem::_cl_mem() : Object(Kind::Mem) {}

namespace {

// The properties list up to and with its 0, or empty for none.
template <typename T>
std::vector<T> copyProperties(const T* properties)
{
    std::vector<T> out;
    if (!properties)
        return out;
    while (*properties) {
        out.push_back(properties[0]);
        out.push_back(properties[1]);
        properties += 2;
    }
    out.push_back(0);
    return out;
}

cl_int checkContextProperties(const cl_context_properties* properties)
{
    if (!properties)
        return CL_SUCCESS;
    bool platformSeen = false, syncSeen = false;
    for (const cl_context_properties* p = properties; *p; p += 2) {
        if (p[0] == CL_CONTEXT_PLATFORM) {
            if (platformSeen)
                return CL_INVALID_PROPERTY;
            platformSeen = true;
            if (reinterpret_cast<cl_platform_id>(p[1]) != thePlatform())
                return CL_INVALID_PLATFORM;
        } else if (p[0] == CL_CONTEXT_INTEROP_USER_SYNC) {
            if (syncSeen)
                return CL_INVALID_PROPERTY;
            syncSeen = true;
        } else {
            return CL_INVALID_PROPERTY;
        }
    }
    return CL_SUCCESS;
}

cl_context makeContext(const cl_context_properties* properties,
                       void(CL_CALLBACK* notify)(const char*, const void*, size_t, void*), void* data,
                       cl_int* errcode)
{
    if (!notify && data) {
        setError(errcode, CL_INVALID_VALUE);
        return nullptr;
    }
    if (cl_int e = checkContextProperties(properties); e != CL_SUCCESS) {
        setError(errcode, e);
        return nullptr;
    }
    if (!thePlatform()->backend) {
        setError(errcode, CL_DEVICE_NOT_AVAILABLE);
        return nullptr;
    }
    auto* context = new (std::nothrow) _cl_context;
    if (!context) {
        setError(errcode, CL_OUT_OF_HOST_MEMORY);
        return nullptr;
    }
    context->device = theDevice();
    context->properties = copyProperties(properties);
    context->notify = notify;
    context->notifyData = data;
    setError(errcode, CL_SUCCESS);
    return context;
}

void destroy(cl_context context)
{
    // Callbacks in the reverse order of their registration.
    for (auto it = context->destructorCallbacks.rbegin(); it != context->destructorCallbacks.rend(); ++it)
        it->first(context, it->second);
    for (auto& [ptr, size] : context->svm)
        std::free(ptr);
    delete context;
}

void destroy(cl_mem mem)
{
    for (auto it = mem->destructorCallbacks.rbegin(); it != mem->destructorCallbacks.rend(); ++it)
        it->first(mem, it->second);
    if (mem->owned)
        std::free(mem->host);
    cl_context context = mem->context;
    cl_mem parent = mem->parent;
    delete mem;
    if (parent)
        clReleaseMemObject(parent);
    clReleaseContext(context);
}

constexpr cl_mem_flags kAccessFlags = CL_MEM_READ_WRITE | CL_MEM_WRITE_ONLY | CL_MEM_READ_ONLY;
constexpr cl_mem_flags kHostAccessFlags = CL_MEM_HOST_WRITE_ONLY | CL_MEM_HOST_READ_ONLY | CL_MEM_HOST_NO_ACCESS;

bool atMostOne(cl_mem_flags flags)
{
    return (flags & (flags - 1)) == 0;
}

std::size_t roundUp(std::size_t value, std::size_t to)
{
    return (value + to - 1) / to * to;
}

} // namespace

cl_context CL_API_CALL clCreateContext(const cl_context_properties* properties, cl_uint num_devices,
                                       const cl_device_id* devices,
                                       void(CL_CALLBACK* notify)(const char*, const void*, size_t, void*),
                                       void* data, cl_int* errcode)
{
    if (!devices || num_devices == 0) {
        setError(errcode, CL_INVALID_VALUE);
        return nullptr;
    }
    for (cl_uint i = 0; i < num_devices; i++)
        if (!isValid(devices[i], Kind::Device)) {
            setError(errcode, CL_INVALID_DEVICE);
            return nullptr;
        }
    return makeContext(properties, notify, data, errcode);
}

cl_context CL_API_CALL clCreateContextFromType(const cl_context_properties* properties, cl_device_type type,
                                               void(CL_CALLBACK* notify)(const char*, const void*, size_t, void*),
                                               void* data, cl_int* errcode)
{
    cl_uint count = 0;
    cl_int e = clGetDeviceIDs(thePlatform(), type, 0, nullptr, &count);
    if (e != CL_SUCCESS) {
        setError(errcode, e);
        return nullptr;
    }
    return makeContext(properties, notify, data, errcode);
}

cl_int CL_API_CALL clRetainContext(cl_context context)
{
    return retainObject(context, Kind::Context, CL_INVALID_CONTEXT);
}

cl_int CL_API_CALL clReleaseContext(cl_context context)
{
    return releaseObject(context, Kind::Context, CL_INVALID_CONTEXT, destroy);
}

cl_int CL_API_CALL clGetContextInfo(cl_context context, cl_context_info param, size_t size, void* value,
                                    size_t* sizeRet)
{
    if (!isValid(context, Kind::Context))
        return CL_INVALID_CONTEXT;
    switch (param) {
    case CL_CONTEXT_REFERENCE_COUNT:
        return answer<cl_uint>(size, value, sizeRet, context->refs.load());
    case CL_CONTEXT_NUM_DEVICES:
        return answer<cl_uint>(size, value, sizeRet, 1);
    case CL_CONTEXT_DEVICES:
        return answer(size, value, sizeRet, context->device);
    case CL_CONTEXT_PROPERTIES:
        return answerVector(size, value, sizeRet, context->properties);
    default:
        return CL_INVALID_VALUE;
    }
}

cl_int CL_API_CALL clSetContextDestructorCallback(cl_context context, void(CL_CALLBACK* notify)(cl_context, void*),
                                                  void* data)
{
    if (!isValid(context, Kind::Context))
        return CL_INVALID_CONTEXT;
    if (!notify)
        return CL_INVALID_VALUE;
    std::lock_guard lock(context->callbackMutex);
    context->destructorCallbacks.emplace_back(notify, data);
    return CL_SUCCESS;
}

// Command queues.

cl_command_queue CL_API_CALL clCreateCommandQueueWithProperties(cl_context context, cl_device_id device,
                                                                const cl_queue_properties* properties,
                                                                cl_int* errcode)
{
    if (!isValid(context, Kind::Context)) {
        setError(errcode, CL_INVALID_CONTEXT);
        return nullptr;
    }
    if (device != context->device) {
        setError(errcode, CL_INVALID_DEVICE);
        return nullptr;
    }
    cl_command_queue_properties flags = 0;
    if (properties) {
        bool seen = false;
        for (const cl_queue_properties* p = properties; *p; p += 2) {
            if (p[0] == CL_QUEUE_PROPERTIES && !seen) {
                seen = true;
                flags = p[1];
                constexpr cl_command_queue_properties known =
                    CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE | CL_QUEUE_PROFILING_ENABLE | CL_QUEUE_ON_DEVICE |
                    CL_QUEUE_ON_DEVICE_DEFAULT;
                if (flags & ~known) {
                    setError(errcode, CL_INVALID_VALUE);
                    return nullptr;
                }
                if (flags & (CL_QUEUE_ON_DEVICE | CL_QUEUE_ON_DEVICE_DEFAULT)) {
                    // Valid, but there are no device-side queues.
                    setError(errcode, (flags & CL_QUEUE_ON_DEVICE) ? CL_INVALID_QUEUE_PROPERTIES : CL_INVALID_VALUE);
                    return nullptr;
                }
            } else if (p[0] == CL_QUEUE_SIZE) {
                // Only for device-side queues.
                setError(errcode, CL_INVALID_VALUE);
                return nullptr;
            } else {
                setError(errcode, CL_INVALID_VALUE);
                return nullptr;
            }
        }
    }
    auto* queue = new (std::nothrow) _cl_command_queue;
    if (!queue) {
        setError(errcode, CL_OUT_OF_HOST_MEMORY);
        return nullptr;
    }
    queue->context = context;
    queue->device = device;
    queue->properties = flags;
    queue->propertyList = copyProperties(properties);
    clRetainContext(context);
    setError(errcode, CL_SUCCESS);
    return queue;
}

cl_command_queue CL_API_CALL clCreateCommandQueue(cl_context context, cl_device_id device,
                                                  cl_command_queue_properties properties, cl_int* errcode)
{
    cl_queue_properties list[] = {CL_QUEUE_PROPERTIES, properties, 0};
    cl_command_queue queue = clCreateCommandQueueWithProperties(context, device, properties ? list : nullptr, errcode);
    if (queue)
        queue->propertyList.clear();
    return queue;
}

cl_int CL_API_CALL clRetainCommandQueue(cl_command_queue queue)
{
    return retainObject(queue, Kind::Queue, CL_INVALID_COMMAND_QUEUE);
}

cl_int CL_API_CALL clReleaseCommandQueue(cl_command_queue queue)
{
    if (!isValid(queue, Kind::Queue))
        return CL_INVALID_COMMAND_QUEUE;
    if (--queue->refs == 0) {
        // Commands are submitted at their enqueue: nothing to flush. A
        // command not finished yet holds the queue through its event.
        cl_context context = queue->context;
        delete queue;
        clReleaseContext(context);
    }
    return CL_SUCCESS;
}

cl_int CL_API_CALL clGetCommandQueueInfo(cl_command_queue queue, cl_command_queue_info param, size_t size,
                                         void* value, size_t* sizeRet)
{
    if (!isValid(queue, Kind::Queue))
        return CL_INVALID_COMMAND_QUEUE;
    switch (param) {
    case CL_QUEUE_CONTEXT:
        return answer(size, value, sizeRet, queue->context);
    case CL_QUEUE_DEVICE:
        return answer(size, value, sizeRet, queue->device);
    case CL_QUEUE_REFERENCE_COUNT:
        return answer<cl_uint>(size, value, sizeRet, queue->refs.load());
    case CL_QUEUE_PROPERTIES:
        return answer(size, value, sizeRet, queue->properties);
    case CL_QUEUE_PROPERTIES_ARRAY:
        return answerVector(size, value, sizeRet, queue->propertyList);
    case CL_QUEUE_SIZE:
        return CL_INVALID_COMMAND_QUEUE;
    case CL_QUEUE_DEVICE_DEFAULT:
        return answer<cl_command_queue>(size, value, sizeRet, nullptr);
    default:
        return CL_INVALID_VALUE;
    }
}

// Buffers: all of them process memory.

cl_mem CL_API_CALL clCreateBufferWithProperties(cl_context context, const cl_mem_properties* properties,
                                                cl_mem_flags flags, size_t size, void* host, cl_int* errcode)
{
    if (!isValid(context, Kind::Context)) {
        setError(errcode, CL_INVALID_CONTEXT);
        return nullptr;
    }
    if (properties && *properties) {
        // No buffer property is supported.
        setError(errcode, CL_INVALID_PROPERTY);
        return nullptr;
    }
    constexpr cl_mem_flags known = kAccessFlags | kHostAccessFlags | CL_MEM_USE_HOST_PTR | CL_MEM_ALLOC_HOST_PTR |
                                   CL_MEM_COPY_HOST_PTR;
    if ((flags & ~known) || !atMostOne(flags & kAccessFlags) || !atMostOne(flags & kHostAccessFlags) ||
        ((flags & CL_MEM_USE_HOST_PTR) && (flags & (CL_MEM_ALLOC_HOST_PTR | CL_MEM_COPY_HOST_PTR)))) {
        setError(errcode, CL_INVALID_VALUE);
        return nullptr;
    }
    if (size == 0 || size > context->backend().limits().maxAllocSize) {
        setError(errcode, CL_INVALID_BUFFER_SIZE);
        return nullptr;
    }
    bool wantsHost = flags & (CL_MEM_USE_HOST_PTR | CL_MEM_COPY_HOST_PTR);
    if (wantsHost != (host != nullptr)) {
        setError(errcode, CL_INVALID_HOST_PTR);
        return nullptr;
    }
    auto* mem = new (std::nothrow) _cl_mem;
    if (!mem) {
        setError(errcode, CL_OUT_OF_HOST_MEMORY);
        return nullptr;
    }
    mem->context = context;
    mem->flags = (flags & kAccessFlags) ? flags : (flags | CL_MEM_READ_WRITE);
    mem->size = size;
    mem->userPtr = host;
    if (flags & CL_MEM_USE_HOST_PTR) {
        // System SVM: the application's memory is the buffer.
        mem->host = host;
    } else {
        mem->host = std::aligned_alloc(128, roundUp(size, 128));
        if (!mem->host) {
            delete mem;
            setError(errcode, CL_MEM_OBJECT_ALLOCATION_FAILURE);
            return nullptr;
        }
        mem->owned = true;
        if (flags & CL_MEM_COPY_HOST_PTR)
            std::memcpy(mem->host, host, size);
    }
    clRetainContext(context);
    setError(errcode, CL_SUCCESS);
    return mem;
}

cl_mem CL_API_CALL clCreateBuffer(cl_context context, cl_mem_flags flags, size_t size, void* host, cl_int* errcode)
{
    return clCreateBufferWithProperties(context, nullptr, flags, size, host, errcode);
}

cl_mem CL_API_CALL clCreateSubBuffer(cl_mem buffer, cl_mem_flags flags, cl_buffer_create_type type,
                                     const void* info, cl_int* errcode)
{
    if (!isValid(buffer, Kind::Mem) || buffer->parent) {
        setError(errcode, CL_INVALID_MEM_OBJECT);
        return nullptr;
    }
    constexpr cl_mem_flags known = kAccessFlags | kHostAccessFlags;
    if ((flags & ~known) || !atMostOne(flags & kAccessFlags) || !atMostOne(flags & kHostAccessFlags) ||
        type != CL_BUFFER_CREATE_TYPE_REGION || !info) {
        setError(errcode, CL_INVALID_VALUE);
        return nullptr;
    }
    // A sub-buffer may not ask for more than its parent allows.
    bool parentWriteOnly = buffer->flags & CL_MEM_WRITE_ONLY, parentReadOnly = buffer->flags & CL_MEM_READ_ONLY;
    if ((parentWriteOnly && (flags & (CL_MEM_READ_WRITE | CL_MEM_READ_ONLY))) ||
        (parentReadOnly && (flags & (CL_MEM_READ_WRITE | CL_MEM_WRITE_ONLY))) ||
        ((buffer->flags & CL_MEM_HOST_WRITE_ONLY) && (flags & CL_MEM_HOST_READ_ONLY)) ||
        ((buffer->flags & CL_MEM_HOST_READ_ONLY) && (flags & CL_MEM_HOST_WRITE_ONLY)) ||
        ((buffer->flags & CL_MEM_HOST_NO_ACCESS) && (flags & (CL_MEM_HOST_READ_ONLY | CL_MEM_HOST_WRITE_ONLY)))) {
        setError(errcode, CL_INVALID_VALUE);
        return nullptr;
    }
    const auto* region = static_cast<const cl_buffer_region*>(info);
    if (region->size == 0) {
        setError(errcode, CL_INVALID_BUFFER_SIZE);
        return nullptr;
    }
    if (region->origin > buffer->size || region->size > buffer->size - region->origin) {
        setError(errcode, CL_INVALID_VALUE);
        return nullptr;
    }
    if (region->origin % 128) {
        setError(errcode, CL_MISALIGNED_SUB_BUFFER_OFFSET);
        return nullptr;
    }
    auto* mem = new (std::nothrow) _cl_mem;
    if (!mem) {
        setError(errcode, CL_OUT_OF_HOST_MEMORY);
        return nullptr;
    }
    mem->context = buffer->context;
    cl_mem_flags inherited = buffer->flags & (CL_MEM_USE_HOST_PTR | CL_MEM_ALLOC_HOST_PTR | CL_MEM_COPY_HOST_PTR);
    if (!(flags & kAccessFlags))
        inherited |= buffer->flags & kAccessFlags;
    if (!(flags & kHostAccessFlags))
        inherited |= buffer->flags & kHostAccessFlags;
    mem->flags = flags | inherited;
    mem->size = region->size;
    mem->host = static_cast<char*>(buffer->host) + region->origin;
    mem->userPtr = buffer->userPtr ? static_cast<char*>(buffer->userPtr) + region->origin : nullptr;
    mem->parent = buffer;
    mem->origin = region->origin;
    clRetainMemObject(buffer);
    clRetainContext(mem->context);
    setError(errcode, CL_SUCCESS);
    return mem;
}

cl_int CL_API_CALL clRetainMemObject(cl_mem mem)
{
    return retainObject(mem, Kind::Mem, CL_INVALID_MEM_OBJECT);
}

cl_int CL_API_CALL clReleaseMemObject(cl_mem mem)
{
    return releaseObject(mem, Kind::Mem, CL_INVALID_MEM_OBJECT, destroy);
}

cl_int CL_API_CALL clGetMemObjectInfo(cl_mem mem, cl_mem_info param, size_t size, void* value, size_t* sizeRet)
{
    if (!isValid(mem, Kind::Mem))
        return CL_INVALID_MEM_OBJECT;
    switch (param) {
    case CL_MEM_TYPE:
        return answer<cl_mem_object_type>(size, value, sizeRet, CL_MEM_OBJECT_BUFFER);
    case CL_MEM_FLAGS:
        return answer(size, value, sizeRet, mem->flags);
    case CL_MEM_SIZE:
        return answer(size, value, sizeRet, mem->size);
    case CL_MEM_HOST_PTR:
        return answer(size, value, sizeRet, (mem->flags & CL_MEM_USE_HOST_PTR) ? mem->userPtr : nullptr);
    case CL_MEM_MAP_COUNT:
        return answer<cl_uint>(size, value, sizeRet, mem->mapCount.load());
    case CL_MEM_REFERENCE_COUNT:
        return answer<cl_uint>(size, value, sizeRet, mem->refs.load());
    case CL_MEM_CONTEXT:
        return answer(size, value, sizeRet, mem->context);
    case CL_MEM_ASSOCIATED_MEMOBJECT:
        return answer(size, value, sizeRet, mem->parent);
    case CL_MEM_OFFSET:
        return answer(size, value, sizeRet, mem->origin);
    case CL_MEM_USES_SVM_POINTER:
        // With system SVM every host pointer is an SVM pointer.
        return answer<cl_bool>(size, value, sizeRet, (mem->flags & CL_MEM_USE_HOST_PTR) ? CL_TRUE : CL_FALSE);
    case CL_MEM_PROPERTIES:
        return answerVector(size, value, sizeRet, mem->properties);
    default:
        return CL_INVALID_VALUE;
    }
}

cl_int CL_API_CALL clSetMemObjectDestructorCallback(cl_mem mem, void(CL_CALLBACK* notify)(cl_mem, void*),
                                                    void* data)
{
    if (!isValid(mem, Kind::Mem))
        return CL_INVALID_MEM_OBJECT;
    if (!notify)
        return CL_INVALID_VALUE;
    std::lock_guard lock(mem->callbackMutex);
    mem->destructorCallbacks.emplace_back(notify, data);
    return CL_SUCCESS;
}

cl_int CL_API_CALL clGetSupportedImageFormats(cl_context context, cl_mem_flags, cl_mem_object_type, cl_uint,
                                              cl_image_format*, cl_uint* count)
{
    if (!isValid(context, Kind::Context))
        return CL_INVALID_CONTEXT;
    // No images: no format.
    if (count)
        *count = 0;
    return CL_SUCCESS;
}

// SVM allocations: process memory, like every other pointer.

void* CL_API_CALL clSVMAlloc(cl_context context, cl_svm_mem_flags flags, size_t size, cl_uint alignment)
{
    if (!isValid(context, Kind::Context) || size == 0 || size > context->backend().limits().maxAllocSize)
        return nullptr;
    constexpr cl_svm_mem_flags known = kAccessFlags | CL_MEM_SVM_FINE_GRAIN_BUFFER | CL_MEM_SVM_ATOMICS;
    if ((flags & ~known) || !atMostOne(flags & kAccessFlags) ||
        ((flags & CL_MEM_SVM_ATOMICS) && !(flags & CL_MEM_SVM_FINE_GRAIN_BUFFER)))
        return nullptr;
    if (alignment & (alignment - 1))
        return nullptr;
    std::size_t align = std::max<std::size_t>(alignment, 128);
    void* ptr = std::aligned_alloc(align, roundUp(size, align));
    if (!ptr)
        return nullptr;
    std::lock_guard lock(context->svmMutex);
    context->svm.emplace(ptr, size);
    return ptr;
}

void CL_API_CALL clSVMFree(cl_context context, void* ptr)
{
    if (!isValid(context, Kind::Context) || !ptr)
        return;
    std::lock_guard lock(context->svmMutex);
    auto it = context->svm.find(ptr);
    if (it == context->svm.end()) {
        logLine("clSVMFree: a pointer that clSVMAlloc did not return in this context is left alone");
        return;
    }
    std::free(ptr);
    context->svm.erase(it);
}
