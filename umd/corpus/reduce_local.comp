#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The workgroup size comes from the manifest, as -DLOCAL_X=... -DLOCAL_Y=... -DLOCAL_Z=...
#if !defined(LOCAL_X) || !defined(LOCAL_Y) || !defined(LOCAL_Z)
#error "compile with -DLOCAL_X=, -DLOCAL_Y= and -DLOCAL_Z= (the manifest's local size)"
#endif
layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Uints { uint v[]; };
layout(push_constant) uniform Args { Uints data; Uints sums; } args;
const uint WG = 64;
shared uint s[WG];

void main()
{
    uint l = gl_LocalInvocationID.x;
    s[l] = args.data.v[gl_GlobalInvocationID.x];
    barrier();
    for (uint half_ = WG / 2; half_ > 0; half_ >>= 1) {
        if (l < half_)
            s[l] += s[l + half_];
        barrier();
    }
    if (l == 0)
        args.sums.v[gl_WorkGroupID.x] = s[0];
}
