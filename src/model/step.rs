//! One year of the model: the phases of docs/model.md §3, in order.

use super::record::{Fired, FiredKind};
use super::world::World;
use super::{events, government, observables, opinion, powers, sanctions};

/// Advances the world by one year and fills `w.rec` for that year.
pub fn step(w: &mut World) {
    w.rec.fired.clear();
    w.rec.breaches.clear();
    w.rec.year = w.year;
    w.snap_election = false;
    events::scripted(w); // 1. scripted events, ramps and rules
    events::random(w); // 2. random events
    powers::set_instruments(w); // 3. powers set instruments
    sanctions::advance_threats(w); // 4. threats advance
    government::decide(w); // 5. government moves
    opinion::update(w); // 6. media and citizens
    if government::is_election(w) {
        let snap = usize::from(w.snap_election);
        w.rec.fired.push(Fired {
            kind: FiredKind::Election,
            index: snap,
        });
    }
    observables::observe(w); // 7. observables
    w.refresh_vars();
}
