#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The workgroup size comes from the manifest, as -DLOCAL_X=... -DLOCAL_Y=... -DLOCAL_Z=...
#if !defined(LOCAL_X) || !defined(LOCAL_Y) || !defined(LOCAL_Z)
#error "compile with -DLOCAL_X=, -DLOCAL_Y= and -DLOCAL_Z= (the manifest's local size)"
#endif
layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Ints { int v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Uints { uint v[]; };
layout(push_constant) uniform Args { Ints a; Ints b; Ints q; Ints r; Uints uq; Uints ur; uint n; } args;

void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i >= args.n)
        return;
    int x = args.a.v[i], y = args.b.v[i] == 0 ? 7 : args.b.v[i];
    // GLSL leaves the sign of % with negative operands undefined: C's
    // remainder from the truncating quotient instead.
    int quotient = x / y;
    args.q.v[i] = quotient;
    args.r.v[i] = x - quotient * y;
    args.uq.v[i] = uint(x) / uint(y);
    args.ur.v[i] = uint(x) % uint(y);
}
