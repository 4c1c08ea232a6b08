/* The C baseline of the own-kernel kinds' curve benchmark (bench/curve-kinds.ts): each kind's
 * formula, in the reference's order of operations, as a plain loop over a double buffer with
 * glibc's log, pow and cos. The same schedules as the benchmark's WASM and Python runs.
 * Usage: curve-kinds-baseline STEPS REPS; prints the median milliseconds of each as JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* CPU time of this process, as the WASM side measures (process.cpuUsage): on a shared machine
 * wall time counts the time other processes held the core. */
static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* timm CosineLRScheduler, per update: lr 0.1, t_initial n/7, lr_min 1e-5, cycle_mul 2, cycle_limit 10, warmup 100 from 1e-6 */
static void timm(double *out, long n) {
  const double lr = 0.1, ti = (double)(n / 7), lr_min = 1e-5, mul = 2.0, decay = 1.0, limit = 10, wt = 100, wi = 1e-6;
  const double ws = (lr - wi) / wt, logmul = log(mul);
  out[0] = wi;
  for (long u = 1; u < n; u++) {
    double t = (double)u;
    if (t < wt) { out[u] = wi + t * ws; continue; }
    double i = floor(log(1 - t / ti * (1 - mul)) / logmul);
    double p = pow(mul, i);
    double t_i = p * ti, t_curr = t - (1 - p) / (1 - mul) * ti;
    double lr_max = lr * pow(decay, i);
    out[u] = i < limit ? lr_min + 0.5 * (lr_max - lr_min) * (1 + cos(M_PI * t_curr / t_i)) : lr_min;
  }
}

/* hard restarts: lr 0.1, warmup n/100, total n, 5 cycles */
static void hard_restarts(double *out, long n) {
  const double lr = 0.1, w = (double)(n / 100), total = (double)n, cycles = 5;
  for (long s = 0; s < n; s++) {
    double t = (double)s, f;
    if (t < w) f = t / fmax(1, w);
    else {
      double progress = (t - w) / fmax(1, total - w);
      if (progress >= 1.0) f = 0.0;
      else {
        double m = fmod(cycles * progress, 1.0);
        if (m < 0) m += 1.0;
        f = 0.5 * (1.0 + cos(M_PI * m));
        if (!(f > 0)) f = 0;
      }
    }
    out[s] = lr * f;
  }
}

/* wsd: lr 0.1, linear warmup n/100, decay n/5 cosine (0.5 cycles), total n, min_lr_ratio 0.01 */
static void wsd(double *out, long n) {
  const double lr = 0.1, w = (double)(n / 100), d = (double)(n / 5), st = (double)n - w - d, r = 0.01, cycles = 0.5;
  for (long s = 0; s < n; s++) {
    double t = (double)s, f;
    if (t < w) f = fmax(0.0, (t / fmax(1, w)) * (1.0 - r) + r);
    else if (t < w + st) f = 1.0;
    else if (t < w + st + d) {
      double progress = (t - w - st) / fmax(1, d);
      f = fmax(0.0, 0.5 * (1.0 + cos(M_PI * cycles * 2.0 * progress)) * (1.0 - r) + r);
    } else f = r;
    out[s] = lr * f;
  }
}

/* torch OneCycleLR, two phases, cos: max_lr 0.1, total n, pct_start 0.3, div 25, final div 1e4 (its _annealing_cos) */
static void one_cycle(double *out, long n) {
  const double max_lr = 0.1, initial = max_lr / 25.0, min_lr = initial / 1e4, e1 = 0.3 * (double)n - 1, e2 = (double)n - 1;
  for (long s = 0; s < n; s++) {
    double t = (double)s;
    if (t <= e1) out[s] = max_lr + (initial - max_lr) / 2.0 * (cos(M_PI * (t / e1)) + 1);
    else out[s] = min_lr + (max_lr - min_lr) / 2.0 * (cos(M_PI * ((t - e1) / (e2 - e1))) + 1);
  }
}

static double time_of(void (*fn)(double *, long), double *out, long n, int reps) {
  double *times = malloc(sizeof(double) * reps), sink = 0;
  fn(out, n); /* warm: touches the buffer */
  for (int r = 0; r < reps; r++) {
    double t0 = now_ms();
    fn(out, n);
    times[r] = now_ms() - t0;
    sink += out[n / 2];
  }
  qsort(times, reps, sizeof(double), cmp);
  double m = times[reps / 2];
  free(times);
  if (sink == 12345.678) fprintf(stderr, "%f", sink); /* keeps the loops */
  return m;
}

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  long n = atol(argv[1]);
  int reps = atoi(argv[2]);
  double *out = malloc(sizeof(double) * n);
  printf("{\"timm_cosine\":%f,\"hf_cosine_restarts\":%f,\"wsd\":%f,\"one_cycle\":%f}\n", time_of(timm, out, n, reps), time_of(hard_restarts, out, n, reps),
         time_of(wsd, out, n, reps), time_of(one_cycle, out, n, reps));
  free(out);
  return 0;
}
