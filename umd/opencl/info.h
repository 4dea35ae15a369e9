// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "icd.h"

// The clGet*Info protocol: a value is copied out when the caller's buffer
// holds it, its size is reported when asked, and a buffer too small for it
// is CL_INVALID_VALUE.
namespace vsvm::opencl {

inline cl_int answerBytes(std::size_t size, void* value, std::size_t* sizeRet, const void* data,
                          std::size_t dataSize)
{
    if (value) {
        if (size < dataSize)
            return CL_INVALID_VALUE;
        if (dataSize)
            std::memcpy(value, data, dataSize);
    }
    if (sizeRet)
        *sizeRet = dataSize;
    return CL_SUCCESS;
}

template <typename T>
cl_int answer(std::size_t size, void* value, std::size_t* sizeRet, const T& v)
{
    return answerBytes(size, value, sizeRet, &v, sizeof v);
}

inline cl_int answerString(std::size_t size, void* value, std::size_t* sizeRet, const std::string& s)
{
    return answerBytes(size, value, sizeRet, s.c_str(), s.size() + 1);
}

template <typename T>
cl_int answerVector(std::size_t size, void* value, std::size_t* sizeRet, const std::vector<T>& v)
{
    return answerBytes(size, value, sizeRet, v.data(), v.size() * sizeof(T));
}

/// The platform (created on first use) and its one device.
cl_platform_id thePlatform();
cl_device_id theDevice();
const cl_icd_dispatch* icdDispatch();

template <typename T>
bool isValid(T* object, Kind kind)
{
    return object && object->kind == kind && object->refs.load() > 0;
}

/// clRetain*: one more reference to a valid object of @p kind, else @p invalid.
template <typename T>
cl_int retainObject(T* object, Kind kind, cl_int invalid)
{
    if (!isValid(object, kind))
        return invalid;
    object->refs++;
    return CL_SUCCESS;
}

/// clRelease* of an object that @p destroy frees at the last reference.
template <typename T>
cl_int releaseObject(T* object, Kind kind, cl_int invalid, void (*destroy)(T*))
{
    if (!isValid(object, kind))
        return invalid;
    if (--object->refs == 0)
        destroy(object);
    return CL_SUCCESS;
}

inline void setError(cl_int* errcode, cl_int value)
{
    if (errcode)
        *errcode = value;
}

} // namespace vsvm::opencl
