#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The workgroup size comes from the manifest, as -DLOCAL_X=... -DLOCAL_Y=... -DLOCAL_Z=...
#if !defined(LOCAL_X) || !defined(LOCAL_Y) || !defined(LOCAL_Z)
#error "compile with -DLOCAL_X=, -DLOCAL_Y= and -DLOCAL_Z= (the manifest's local size)"
#endif
layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;
layout(buffer_reference, std430, buffer_reference_align = 8) buffer Ulongs { uint64_t v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Uints { uint v[]; };
layout(push_constant) uniform Args { Ulongs a; Uints pop; Uints lz; uint n; } args;

// GLSL's bit functions take 32-bit values: 64-bit ones from the halves.
uint clz64(uint64_t x)
{
    uint hi = uint(x >> 32), lo = uint(x);
    if (hi != 0)
        return uint(31 - findMSB(hi));
    return lo != 0 ? 32u + uint(31 - findMSB(lo)) : 64u;
}

void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i >= args.n)
        return;
    uint64_t x = args.a.v[i] >> (args.a.v[i] & 63);
    args.pop.v[i] = uint(bitCount(uint(x)) + bitCount(uint(x >> 32)));
    args.lz.v[i] = clz64(x * 3);
}
