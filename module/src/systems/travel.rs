//! The location graph (`static_data/world/locations.csv`) and travel decisions (pure).
//!
//! Travel takes world time: `move_to` starts a journey, the character stays at its origin (and
//! cannot act there) until it arrives `travel_secs` later, fired by a one-shot timer (and caught by
//! the world tick's sweeper if that timer was lost).

use crate::data::{column_of, list, parse_csv, DataError};
use crate::error::{err, ErrorCode, WkResult};
use spacetimedb::SpacetimeType;

pub const LOCATIONS_FILE: &str = "world/locations.csv";
pub const LOCATIONS_CSV: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/world/locations.csv"));
pub const MAX_TRAVEL_SECS: u32 = 3600;

#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub to: String,
    pub travel_secs: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationDef {
    pub id: String,
    pub name: String,
    pub safe: bool,
    /// Players' characters that both opted in may fight here without a challenge (never safe).
    pub pvp: bool,
    pub neighbours: Vec<Edge>,
    pub description: String,
}

impl LocationDef {
    pub fn edge_to(&self, to: &str) -> Option<&Edge> {
        self.neighbours.iter().find(|e| e.to == to)
    }
}

/// Parse and validate the location graph: ids unique, neighbours exist, no self-loops, every
/// edge listed at both ends with the same time, times 1..=3600 s.
pub fn parse_locations(file: &str, text: &str) -> Result<Vec<LocationDef>, DataError> {
    #[derive(serde::Deserialize)]
    struct Row {
        id: String,
        name: String,
        safe: bool,
        /// Optional column (absent: no PvP location).
        #[serde(default)]
        pvp: bool,
        neighbours: String,
        description: String,
    }
    let rows = parse_csv::<Row>(file, text)?;
    let ncol = column_of(text, "neighbours");
    let mut out: Vec<(u64, LocationDef)> = Vec::new();
    for r in rows {
        let row = r.row;
        if row.id.is_empty() || !row.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(DataError::at(file, r.line, column_of(text, "id"), "id must be lower_snake_case"));
        }
        if out.iter().any(|(_, l)| l.id == row.id) {
            return Err(DataError::at(file, r.line, column_of(text, "id"), format!("duplicate location `{}`", row.id)));
        }
        if row.pvp && row.safe {
            return Err(DataError::at(
                file,
                r.line,
                column_of(text, "pvp"),
                "a safe location cannot be a PvP location",
            ));
        }
        let mut neighbours = Vec::new();
        for cell in list(&row.neighbours) {
            let (to, secs) = cell.split_once(':').ok_or_else(|| {
                DataError::at(file, r.line, ncol, format!("`{cell}`: write neighbours as id:travel_secs"))
            })?;
            let secs: u32 = secs.trim().parse().map_err(|_| {
                DataError::at(file, r.line, ncol, format!("`{cell}`: travel time must be whole seconds"))
            })?;
            if secs == 0 || secs > MAX_TRAVEL_SECS {
                return Err(DataError::at(
                    file,
                    r.line,
                    ncol,
                    format!("`{cell}`: travel time must be 1..={MAX_TRAVEL_SECS}"),
                ));
            }
            let to = to.trim().to_string();
            if to == row.id {
                return Err(DataError::at(file, r.line, ncol, "a location cannot neighbour itself"));
            }
            if neighbours.iter().any(|e: &Edge| e.to == to) {
                return Err(DataError::at(file, r.line, ncol, format!("neighbour `{to}` listed twice")));
            }
            neighbours.push(Edge { to, travel_secs: secs });
        }
        out.push((
            r.line,
            LocationDef {
                id: row.id,
                name: row.name,
                safe: row.safe,
                pvp: row.pvp,
                neighbours,
                description: row.description,
            },
        ));
    }
    for (line, l) in &out {
        for e in &l.neighbours {
            let Some((_, other)) = out.iter().find(|(_, o)| o.id == e.to) else {
                return Err(DataError::at(file, *line, ncol, format!("unknown neighbour `{}`", e.to)));
            };
            match other.edge_to(&l.id) {
                Some(back) if back.travel_secs == e.travel_secs => {}
                Some(_) => {
                    return Err(DataError::at(
                        file,
                        *line,
                        ncol,
                        format!("`{}`<->`{}` has different travel times at its two ends", l.id, e.to),
                    ))
                }
                None => {
                    return Err(DataError::at(
                        file,
                        *line,
                        ncol,
                        format!("`{}` lists `{}` but not the other way round; list the edge at both ends", l.id, e.to),
                    ))
                }
            }
        }
    }
    if out.is_empty() {
        return Err(DataError::at(file, 1, 0, "no locations"));
    }
    Ok(out.into_iter().map(|(_, l)| l).collect())
}

pub fn shipped() -> Result<Vec<LocationDef>, DataError> {
    parse_locations(LOCATIONS_FILE, LOCATIONS_CSV)
}

/// Facts about the traveller the decision needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TravellerState {
    pub traveling: bool,
    pub in_combat: bool,
}

/// Decide a journey from `from` to `to`: returns the travel time in seconds.
pub fn plan(from: &LocationDef, to_id: &str, known: impl Fn(&str) -> bool, who: TravellerState) -> WkResult<u32> {
    if who.traveling {
        return Err(err(ErrorCode::Traveling, "already on the road; wait until you arrive"));
    }
    if who.in_combat {
        return Err(err(ErrorCode::InCombat, "you cannot leave during a fight; finish or flee it first"));
    }
    if !known(to_id) {
        return Err(err(ErrorCode::UnknownLocation, format!("no location `{to_id}`; see SELECT id FROM location_def")));
    }
    if from.id == to_id {
        return Err(err(ErrorCode::AlreadyThere, format!("you are already at `{to_id}`")));
    }
    let edge = from.edge_to(to_id).ok_or_else(|| {
        let n: Vec<&str> = from.neighbours.iter().map(|e| e.to.as_str()).collect();
        err(
            ErrorCode::NotANeighbour,
            format!("`{to_id}` is not next to `{}`; go via one of: {}", from.id, n.join(", ")),
        )
    })?;
    Ok(edge.travel_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn free() -> TravellerState {
        TravellerState { traveling: false, in_combat: false }
    }

    #[test]
    fn shipped_graph_loads_and_is_connected() {
        let locs = shipped().unwrap();
        assert!(locs.len() >= 8);
        // every location reachable from the crossroads
        let mut seen = vec!["crossroads".to_string()];
        let mut i = 0;
        while i < seen.len() {
            let l = locs.iter().find(|l| l.id == seen[i]).unwrap();
            for e in &l.neighbours {
                if !seen.contains(&e.to) {
                    seen.push(e.to.clone());
                }
            }
            i += 1;
        }
        assert_eq!(seen.len(), locs.len());
        assert!(locs.iter().any(|l| l.safe) && locs.iter().any(|l| !l.safe));
    }

    #[test]
    fn one_sided_edge_names_line_and_column() {
        let text = "id,name,safe,neighbours,description\na,A,true,b:3,x\nb,B,true,,y\n";
        let e = parse_locations("l.csv", text).unwrap_err();
        assert_eq!((e.line, e.column), (2, 4));
        assert!(e.message.contains("both ends"), "{}", e.message);
        let text = "id,name,safe,neighbours,description\na,A,true,b:3,x\nb,B,true,a:4,y\n";
        assert!(parse_locations("l.csv", text).unwrap_err().message.contains("different travel times"));
        let text = "id,name,safe,neighbours,description\na,A,maybe,,x\n";
        assert_eq!(parse_locations("l.csv", text).unwrap_err().column, 3);
    }

    #[test]
    fn a_pvp_location_is_never_safe() {
        let text = "id,name,safe,pvp,neighbours,description\na,A,true,true,,x\n";
        let e = parse_locations("l.csv", text).unwrap_err();
        assert_eq!((e.line, e.column), (2, 4), "{}", e.message);
        let text = "id,name,safe,pvp,neighbours,description\na,A,false,true,,x\n";
        assert!(parse_locations("l.csv", text).unwrap()[0].pvp);
        assert!(shipped().unwrap().iter().any(|l| l.pvp && !l.safe), "the shipped world has a PvP location");
    }

    #[test]
    fn travel_rules_each_have_a_code() {
        let locs = shipped().unwrap();
        let cross = locs.iter().find(|l| l.id == "crossroads").unwrap();
        let known = |id: &str| locs.iter().any(|l| l.id == id);
        assert_eq!(plan(cross, "village", known, free()).unwrap(), 3);
        let code = |to: &str, w: TravellerState| plan(cross, to, known, w).unwrap_err().code;
        assert_eq!(code("atlantis", free()), ErrorCode::UnknownLocation);
        assert_eq!(code("crossroads", free()), ErrorCode::AlreadyThere);
        assert_eq!(code("temple", free()), ErrorCode::NotANeighbour);
        assert_eq!(code("village", TravellerState { traveling: true, in_combat: false }), ErrorCode::Traveling);
        assert_eq!(code("village", TravellerState { traveling: false, in_combat: true }), ErrorCode::InCombat);
    }
}
