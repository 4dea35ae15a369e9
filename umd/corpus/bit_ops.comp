#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The workgroup size comes from the manifest, as -DLOCAL_X=... -DLOCAL_Y=... -DLOCAL_Z=...
#if !defined(LOCAL_X) || !defined(LOCAL_Y) || !defined(LOCAL_Z)
#error "compile with -DLOCAL_X=, -DLOCAL_Y= and -DLOCAL_Z= (the manifest's local size)"
#endif
layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Uints { uint v[]; };
layout(push_constant) uniform Args { Uints a; Uints b; Uints pop; Uints lz; Uints hi; Uints rot; uint n; } args;

void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i >= args.n)
        return;
    uint x = args.a.v[i], y = args.b.v[i];
    args.pop.v[i] = uint(bitCount(x));
    uint s = x >> (y & 31);
    args.lz.v[i] = s == 0 ? 32u : uint(31 - findMSB(s));
    uint high, low;
    umulExtended(x, y, high, low);
    args.hi.v[i] = high;
    uint r = y & 31;
    args.rot.v[i] = r == 0 ? x : (x << r) | (x >> (32 - r));
}
