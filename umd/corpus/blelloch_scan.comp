#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The workgroup size comes from the manifest, as -DLOCAL_X=... -DLOCAL_Y=... -DLOCAL_Z=...
#if !defined(LOCAL_X) || !defined(LOCAL_Y) || !defined(LOCAL_Z)
#error "compile with -DLOCAL_X=, -DLOCAL_Y= and -DLOCAL_Z= (the manifest's local size)"
#endif
layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Uints { uint v[]; };
layout(push_constant) uniform Args { Uints data; Uints result; } args;
const uint N = 256;
shared uint s[N];

void main()
{
    uint l = gl_LocalInvocationID.x, base = gl_WorkGroupID.x * N;
    s[2 * l] = args.data.v[base + 2 * l];
    s[2 * l + 1] = args.data.v[base + 2 * l + 1];
    uint offset = 1;
    for (uint d = N >> 1; d > 0; d >>= 1) {
        barrier();
        if (l < d) {
            uint ai = offset * (2 * l + 1) - 1, bi = offset * (2 * l + 2) - 1;
            s[bi] += s[ai];
        }
        offset <<= 1;
    }
    if (l == 0)
        s[N - 1] = 0;
    for (uint d = 1; d < N; d <<= 1) {
        offset >>= 1;
        barrier();
        if (l < d) {
            uint ai = offset * (2 * l + 1) - 1, bi = offset * (2 * l + 2) - 1;
            uint t = s[ai];
            s[ai] = s[bi];
            s[bi] += t;
        }
    }
    barrier();
    args.result.v[base + 2 * l] = s[2 * l];
    args.result.v[base + 2 * l + 1] = s[2 * l + 1];
}
