/* The reference for Kestrel's allreduce bandwidth: a plain MPI_Allreduce loop on float buffers of 1-64 MB, as
   mpirun runs it (same launcher, same transport as `kestrel-bench allreduce`). Prints one JSON line per size on
   rank 0 in the harness's row format: MB of buffer per second, min/median/max over the timed repetitions.
   Build: mpicc -O2 -o allreduce allreduce.c */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int reps = argc > 1 ? atoi(argv[1]) : 7, warmup = 2;
  const int sizes[] = {1, 4, 16, 64};
  for (int s = 0; s < 4; s++) {
    size_t count = (size_t)sizes[s] << 18;
    float *buf = malloc(count * sizeof(float));
    for (size_t i = 0; i < count; i++) buf[i] = 1;
    double *rates = malloc(reps * sizeof(double));
    MPI_Barrier(MPI_COMM_WORLD);
    for (int r = -warmup; r < reps; r++) {
      double t0 = MPI_Wtime();
      MPI_Allreduce(MPI_IN_PLACE, buf, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      double t = MPI_Wtime() - t0;
      if (r >= 0) rates[r] = sizes[s] / t;
    }
    qsort(rates, reps, sizeof(double), cmp);
    if (rank == 0)
      printf("{\"framework\": \"C MPI_Allreduce\", \"metric\": \"%d MB Float buffer\", \"unit\": \"MB/s\", "
             "\"ranks\": %d, \"min\": %.2f, \"median\": %.2f, \"max\": %.2f, \"reps\": %d}\n",
             sizes[s], size, rates[0], rates[reps / 2], rates[reps - 1], reps);
    free(rates);
    free(buf);
  }
  MPI_Finalize();
  return 0;
}
