// Gravitational acceleration of each of n bodies (x, y, z, mass as 4 floats)
// from all the others, softened by eps2; acc gets (ax, ay, az, 0).
__kernel void nbody(__global const float* body, __global float* acc, uint n, float eps2)
{
    uint i = get_global_id(0);
    if (i >= n)
        return;
    float px = body[4 * i], py = body[4 * i + 1], pz = body[4 * i + 2];
    float ax = 0.0f, ay = 0.0f, az = 0.0f;
    for (uint j = 0; j < n; j++) {
        float dx = body[4 * j] - px, dy = body[4 * j + 1] - py, dz = body[4 * j + 2] - pz;
        float r2 = dx * dx + dy * dy + dz * dz + eps2;
        float inv = 1.0f / sqrt(r2);
        float s = body[4 * j + 3] * inv * inv * inv;
        ax += s * dx;
        ay += s * dy;
        az += s * dz;
    }
    acc[4 * i] = ax;
    acc[4 * i + 1] = ay;
    acc[4 * i + 2] = az;
    acc[4 * i + 3] = 0.0f;
}
