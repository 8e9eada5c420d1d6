// The sagas' properties, from observations only (begun, ended, applied, refused) and crash and
// restart events:
//
// saga.atomicity          every saga that ended is semantically atomic (Garcia-Molina & Salem
//                         1987, §1): completed, with every step done once and nothing undone; or
//                         compensated, with the steps done a prefix T1..Tj and each undone once,
//                         after it was done, in reverse order Cj..C1 (checked at the end)
// saga.exactly_once       no step of a saga is applied twice, and no compensation runs twice,
//                         whatever retries and redeliveries bring
// saga.no_phantom_compensation  no compensation undoes a step that was never done
// saga.termination        every saga begun ends once faults heal, within the stated bound after
//                         the later of its start and the last heal (checked at the end; a saga
//                         with a dead-lettered event is left to an operator): orchestrated,
//                         2S × (step_timeout + work + backoff_max + breaker_open); choreographed,
//                         (2S + 1) × (relay + work + visibility_timeout + backoff_max)
// saga.no_lost_event      choreography: every event a service committed with its state change
//                         reaches the broker (checked at the end, that bound after the last heal)
// saga.conservation       for the default business, over the sagas that ended: money debited by
//                         payment equals money credited (charges of completed sagas) plus refunds,
//                         and stock reserved by inventory equals stock shipped (reservations of
//                         completed sagas) plus stock released (checked at the end)
#pragma once

#include <memory>

#include "sim/invariant.h"

namespace dsim::saga {

std::unique_ptr<sim::Invariant> make_atomicity(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_exactly_once(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_no_phantom_compensation(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_termination(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_conservation(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_no_lost_event(const sim::InvariantEnv& env);

}  // namespace dsim::saga
