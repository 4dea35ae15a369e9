#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The workgroup size comes from the manifest, as -DLOCAL_X=... -DLOCAL_Y=... -DLOCAL_Z=...
#if !defined(LOCAL_X) || !defined(LOCAL_Y) || !defined(LOCAL_Z)
#error "compile with -DLOCAL_X=, -DLOCAL_Y= and -DLOCAL_Z= (the manifest's local size)"
#endif
layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Floats { float v[]; };
layout(push_constant) uniform Args { Floats body; Floats acc; uint n; float eps2; } args;

void main()
{
    uint i = gl_GlobalInvocationID.x;
    if (i >= args.n)
        return;
    float px = args.body.v[4 * i], py = args.body.v[4 * i + 1], pz = args.body.v[4 * i + 2];
    float ax = 0.0, ay = 0.0, az = 0.0;
    for (uint j = 0; j < args.n; j++) {
        float dx = args.body.v[4 * j] - px, dy = args.body.v[4 * j + 1] - py, dz = args.body.v[4 * j + 2] - pz;
        float r2 = dx * dx + dy * dy + dz * dz + args.eps2;
        float inv = 1.0 / sqrt(r2);
        float s = args.body.v[4 * j + 3] * inv * inv * inv;
        ax += s * dx;
        ay += s * dy;
        az += s * dz;
    }
    args.acc.v[4 * i] = ax;
    args.acc.v[4 * i + 1] = ay;
    args.acc.v[4 * i + 2] = az;
    args.acc.v[4 * i + 3] = 0.0;
}
