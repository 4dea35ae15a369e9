#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The workgroup size comes from the manifest, as -DLOCAL_X=... -DLOCAL_Y=... -DLOCAL_Z=...
#if !defined(LOCAL_X) || !defined(LOCAL_Y) || !defined(LOCAL_Z)
#error "compile with -DLOCAL_X=, -DLOCAL_Y= and -DLOCAL_Z= (the manifest's local size)"
#endif
layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Floats { float v[]; };
layout(push_constant) uniform Args { Floats a; Floats b; Floats partial; } args;
const uint WG = 128;
shared float s[WG];

void main()
{
    uint l = gl_LocalInvocationID.x, g = gl_GlobalInvocationID.x;
    s[l] = args.a.v[g] * args.b.v[g];
    barrier();
    for (uint h = WG / 2; h > 0; h >>= 1) {
        if (l < h)
            s[l] += s[l + h];
        barrier();
    }
    if (l == 0)
        args.partial.v[gl_WorkGroupID.x] = s[0];
}
