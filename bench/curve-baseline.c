// The C baseline of the curve benchmark (bench/curve.ts compiles it with gcc -O2 and runs it).
// A plain loop over the katsura step() rules in the reference's order of operations, glibc cos,
// the peak computed once per cycle (as any C programmer would), one value per step into a
// buffer already touched; and, as "writing the bytes", memset of the same buffer. Each loop
// times itself: median of `reps` runs after a warm-up run.
//
// usage: curve-baseline first mult max min warmup gamma steps reps
// prints one JSON line: {"f64": ms, "f32": ms, "f32cosf": ms, "bytes64": ms, "bytes32": ms, "check": sum}

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct params {
  long first;
  double mult, max, min;
  long warmup;
  double gamma;
};

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// Value i is the LR of training step i: min_lr at step 0, then warmup and cosine per cycle.
static void curve64(const struct params *p, double *out, long n) {
  long length = p->first, s = 0, cycle = 0;
  double amp = p->max - p->min;
  for (long i = 0; i < n; i++) {
    if (i == 0) out[i] = p->min;
    else if (s < p->warmup) out[i] = (amp * s) / p->warmup + p->min;
    else out[i] = p->min + (amp * (1 + cos((M_PI * (s - p->warmup)) / (length - p->warmup)))) / 2;
    if (++s >= length) {
      s = 0;
      length = (long)((length - p->warmup) * p->mult) + p->warmup;
      cycle++;
      amp = p->max * pow(p->gamma, cycle) - p->min;
    }
  }
}

// The same loop storing float: what a C caller who wants float32 output writes first.
static void curve32(const struct params *p, float *out, long n) {
  long length = p->first, s = 0, cycle = 0;
  double amp = p->max - p->min;
  for (long i = 0; i < n; i++) {
    if (i == 0) out[i] = (float)p->min;
    else if (s < p->warmup) out[i] = (float)((amp * s) / p->warmup + p->min);
    else out[i] = (float)(p->min + (amp * (1 + cos((M_PI * (s - p->warmup)) / (length - p->warmup)))) / 2);
    if (++s >= length) {
      s = 0;
      length = (long)((length - p->warmup) * p->mult) + p->warmup;
      cycle++;
      amp = p->max * pow(p->gamma, cycle) - p->min;
    }
  }
}

// float throughout with cosf: the cheapest honest float loop.
static void curve32f(const struct params *p, float *out, long n) {
  long length = p->first, s = 0, cycle = 0;
  float amp = (float)(p->max - p->min), min = (float)p->min;
  for (long i = 0; i < n; i++) {
    if (i == 0) out[i] = min;
    else if (s < p->warmup) out[i] = (amp * s) / p->warmup + min;
    else out[i] = min + (amp * (1 + cosf(((float)M_PI * (s - p->warmup)) / (length - p->warmup)))) / 2;
    if (++s >= length) {
      s = 0;
      length = (long)((length - p->warmup) * p->mult) + p->warmup;
      cycle++;
      amp = (float)(p->max * pow(p->gamma, cycle) - p->min);
    }
  }
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double *times;
static int reps;

static double median(void) {
  qsort(times, reps, sizeof *times, by_value);
  return times[reps / 2];
}

// Runs `body` once to warm up, then `reps` times, and returns the median in ms.
#define TIME(body) ({ body; for (int r = 0; r < reps; r++) { double t0 = now_ms(); body; times[r] = now_ms() - t0; } median(); })

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: %s first mult max min warmup gamma steps reps\n", argv[0]);
    return 2;
  }
  struct params p = {atol(argv[1]), atof(argv[2]), atof(argv[3]), atof(argv[4]), atol(argv[5]), atof(argv[6])};
  long n = atol(argv[7]);
  reps = atoi(argv[8]);
  times = malloc(reps * sizeof *times);
  double *d = malloc(n * sizeof *d);
  float *f = malloc(n * sizeof *f);
  // volatile: keeps the compiler from dropping the memset whose result nobody reads.
  void *(*volatile set)(void *, int, size_t) = memset;

  double f64 = TIME(curve64(&p, d, n));
  double f32 = TIME(curve32(&p, f, n));
  double check = 0;
  for (long i = 0; i < n; i += 997) check += d[i] + f[i];
  double f32cosf = TIME(curve32f(&p, f, n));
  for (long i = 0; i < n; i += 997) check += f[i];
  double bytes64 = TIME(set(d, 1, n * sizeof *d));
  double bytes32 = TIME(set(f, 1, n * sizeof *f));
  printf("{\"f64\": %.4f, \"f32\": %.4f, \"f32cosf\": %.4f, \"bytes64\": %.4f, \"bytes32\": %.4f, \"check\": %.17g}\n",
         f64, f32, f32cosf, bytes64, bytes32, check);
  free(d);
  free(f);
  free(times);
  return 0;
}
