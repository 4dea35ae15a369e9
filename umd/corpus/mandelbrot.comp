#version 450
#extension GL_EXT_buffer_reference : require
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require
// The workgroup size comes from the manifest, as -DLOCAL_X=... -DLOCAL_Y=... -DLOCAL_Z=...
#if !defined(LOCAL_X) || !defined(LOCAL_Y) || !defined(LOCAL_Z)
#error "compile with -DLOCAL_X=, -DLOCAL_Y= and -DLOCAL_Z= (the manifest's local size)"
#endif
layout(local_size_x = LOCAL_X, local_size_y = LOCAL_Y, local_size_z = LOCAL_Z) in;
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Uints { uint v[]; };
layout(push_constant) uniform Args { Uints iters; uint w; uint h; uint max_iter; } args;

void main()
{
    uint px = gl_GlobalInvocationID.x, py = gl_GlobalInvocationID.y;
    int64_t cx = -2 * 65536 + int64_t(px) * 3 * 65536 / int64_t(args.w);
    int64_t cy = -98304 + int64_t(py) * 3 * 65536 / int64_t(args.h);
    int64_t x = 0, y = 0;
    uint k = 0;
    while (k < args.max_iter) {
        int64_t xx = (x * x) >> 16, yy = (y * y) >> 16;
        if (xx + yy > 4 * 65536)
            break;
        int64_t xy = (x * y) >> 15;
        x = xx - yy + cx;
        y = xy + cy;
        k++;
    }
    args.iters.v[py * args.w + px] = k;
}
