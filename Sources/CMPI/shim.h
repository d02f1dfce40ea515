/* Open MPI through a C shim: MPI's handles and constants are macros (casts of global symbols) that Swift cannot
   import, so each is wrapped in a function. */
#include <mpi.h>

static inline MPI_Comm kestrel_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype kestrel_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype kestrel_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op kestrel_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op kestrel_mpi_max(void) { return MPI_MAX; }
static inline void *kestrel_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Request kestrel_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Errhandler kestrel_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Status *kestrel_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Status *kestrel_mpi_statuses_ignore(void) { return MPI_STATUSES_IGNORE; }
static inline int kestrel_mpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int kestrel_mpi_success(void) { return MPI_SUCCESS; }
