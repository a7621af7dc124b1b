//! Reading a JSON value into a request type while noting every field that
//! does not fit, not only the first.
//!
//! serde stops at the first error. So the value is read again and again: each
//! time serde stops at a field, the field is noted in plain words and given a
//! placeholder that lets serde get past it (an unknown field is left out; a
//! bad one is first left out, in case it is optional, then given a value of
//! the kind serde asked for: the first of the names it lists, `""`, `0` …).
//! What serde says while a placeholder is being found (a missing field inside
//! it, say) is not the client's mistake and is not reported, but it is
//! remembered to say the first message better ("must be one of …", "must be
//! an object with the fields …"). The rounds are bounded.

use std::collections::{HashMap, HashSet};

use serde::de::{DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::words::{self, Expected, Got, Said};
use crate::http::error::FieldError;

/// How many times a value is read at most (probes included).
pub(crate) const MAX_ROUNDS: usize = 64;

/// A placeholder key: an object given as a placeholder carries it so that a
/// type which refuses unknown fields says which fields it has.
const PROBE: &str = "\u{1}";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// Where a value is: the keys and indices from the root.
pub(crate) type Loc = Vec<Step>;

/// `budget[1].amount`; the root is `body`. Long keys (the client's) are cut.
pub(crate) fn display(loc: &[Step]) -> String {
    if loc.is_empty() {
        return "body".to_owned();
    }
    let mut out = String::new();
    for step in loc {
        match step {
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                let clean: String = key.chars().filter(|c| !c.is_control()).collect();
                if clean.is_empty() {
                    out.push('?');
                } else if clean.chars().count() > 64 {
                    out.extend(clean.chars().take(64));
                    out.push('…');
                } else {
                    out.push_str(&clean);
                }
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The path serde_path_to_error reports, and whether it was cut at an enum
/// or an unknown step (then the error is about the value where it was cut).
fn steps(path: &serde_path_to_error::Path) -> (Loc, bool) {
    let mut loc = Vec::new();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => loc.push(Step::Index(*index)),
            serde_path_to_error::Segment::Map { key } => loc.push(Step::Key(key.clone())),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => return (loc, true),
        }
    }
    (loc, false)
}

fn at<'v>(mut value: &'v Value, loc: &[Step]) -> Option<&'v Value> {
    for step in loc {
        value = match (step, value) {
            (Step::Key(k), Value::Object(map)) => map.get(k)?,
            (Step::Index(i), Value::Array(list)) => list.get(*i)?,
            _ => return None,
        };
    }
    Some(value)
}

fn at_mut<'v>(mut value: &'v mut Value, loc: &[Step]) -> Option<&'v mut Value> {
    for step in loc {
        value = match (step, value) {
            (Step::Key(k), Value::Object(map)) => map.get_mut(k)?,
            (Step::Index(i), Value::Array(list)) => list.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(value)
}

/// Sets the value at `loc` (a key is added to its object). False if there is no such place.
fn put(root: &mut Value, loc: &[Step], new: Value) -> bool {
    let Some((last, parent)) = loc.split_last() else {
        *root = new;
        return true;
    };
    match (last, at_mut(root, parent)) {
        (Step::Key(k), Some(Value::Object(map))) => {
            map.insert(k.clone(), new);
            true
        }
        (Step::Index(i), Some(Value::Array(list))) if *i < list.len() => {
            list[*i] = new;
            true
        }
        _ => false,
    }
}

/// Leaves out the key at `loc`. False if it is not there.
fn take(root: &mut Value, loc: &[Step]) -> bool {
    match loc.split_last() {
        Some((Step::Key(k), parent)) => match at_mut(root, parent) {
            Some(Value::Object(map)) => map.remove(k).is_some(),
            _ => false,
        },
        _ => false,
    }
}

fn matches(value: &Value, got: &Got) -> bool {
    match (got, value) {
        (Got::Text(quoted), Value::String(s)) => format!("{s:?}") == *quoted,
        (Got::Whole(n), Value::Number(v)) => v.to_string() == *n,
        (Got::Decimal(n), Value::Number(v)) => n.parse::<f64>().ok() == v.as_f64() && !v.is_i64() && !v.is_u64(),
        (Got::YesNo(b), Value::Bool(v)) => b == v,
        (Got::Null, Value::Null) => true,
        (Got::Object, Value::Object(_)) => true,
        (Got::List, Value::Array(_)) => true,
        _ => false,
    }
}

/// The first value inside `value` (not `value` itself) that is what serde saw.
fn find_inside(value: &Value, got: &Got) -> Option<Loc> {
    // Depth first, in the order serde reads; bounded by the parser's nesting limit.
    let children: Vec<(Step, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (Step::Key(k.clone()), v)).collect(),
        Value::Array(list) => list.iter().enumerate().map(|(i, v)| (Step::Index(i), v)).collect(),
        _ => return None,
    };
    for (step, child) in children {
        if matches(child, got) {
            return Some(vec![step]);
        }
        if let Some(mut deeper) = find_inside(child, got) {
            deeper.insert(0, step);
            return Some(deeper);
        }
    }
    None
}

fn is_plain(value: &Value) -> bool {
    !value.is_object() && !value.is_array()
}

/// What was wrong with a field the client sent.
#[derive(Debug, Clone)]
enum What {
    Required,
    NotAField(Option<Vec<String>>),
    Choice,
    Date,
    Wrong(Expected, Got),
    Twice,
    Said(String),
}

#[derive(Debug)]
struct Found {
    loc: Loc,
    what: What,
    /// What the client sent there, when it was a plain value (for the example in the message).
    sent: Option<Value>,
}

/// What a place must hold, as serde says when it is given text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Object,
    /// An internally tagged enum: an object whose other fields depend on its tag.
    Tagged,
    Other,
}

/// Placeholders tried at one place.
#[derive(Debug, Default)]
struct Attempts {
    left_out: bool,
    tried: Vec<Value>,
    hint: Option<Expected>,
}

/// What serde told about a place while placeholders were tried.
#[derive(Debug, Default)]
struct Learned {
    required: Vec<String>,
    fields: Vec<String>,
    choices: Vec<String>,
}

fn push_new(list: &mut Vec<String>, name: &str) {
    if !list.iter().any(|n| n == name) {
        list.push(name.to_owned());
    }
}

fn placeholder(expected: &Expected, learned: Option<&Learned>) -> Option<Value> {
    Some(match expected {
        Expected::Text => Value::String(String::new()),
        Expected::Whole(_) | Expected::Number => Value::from(0),
        Expected::YesNo => Value::Bool(false),
        Expected::List => Value::Array(Vec::new()),
        Expected::Object => probe_object(),
        Expected::Date => Value::String("2000-01-01".into()),
        Expected::Choice => Value::String(learned.and_then(|l| l.choices.first()).cloned().unwrap_or_default()),
        Expected::Unknown => return None,
    })
}

fn probe_object() -> Value {
    let mut map = Map::new();
    map.insert(PROBE.to_owned(), Value::Null);
    Value::Object(map)
}

/// The placeholders to try when serde gives no hint, in order.
fn any_placeholder() -> [Value; 6] {
    [
        Value::String(String::new()),
        Value::from(0),
        Value::Bool(false),
        Value::Array(Vec::new()),
        probe_object(),
        Value::String("2000-01-01".into()),
    ]
}

struct Repair {
    value: Value,
    found: Vec<Found>,
    attempts: HashMap<Loc, Attempts>,
    learned: HashMap<Loc, Learned>,
    /// What places must hold (asked once each).
    shapes: HashMap<Loc, Shape>,
    /// Objects whose tag was given a placeholder: what serde then says inside them is not the client's.
    retagged: HashSet<Loc>,
    rounds: usize,
}

impl Repair {
    fn learn(&mut self, loc: &[Step]) -> &mut Learned {
        self.learned.entry(loc.to_vec()).or_default()
    }

    /// Notes a client's mistake, unless it is inside one already noted (a placeholder's insides).
    fn report(&mut self, loc: &[Step], what: What, quiet: bool) {
        if quiet || self.found.iter().any(|f| loc.starts_with(&f.loc)) {
            return;
        }
        let sent = at(&self.value, loc).filter(|v| is_plain(v)).cloned();
        self.found.push(Found { loc: loc.to_vec(), what, sent });
    }

    /// Gives `loc` its next placeholder. False when there is none left.
    fn fix(&mut self, loc: &[Step], hint: Option<Expected>) -> bool {
        let there = at(&self.value, loc).is_some();
        let attempts = self.attempts.entry(loc.to_vec()).or_default();
        if hint.is_some() {
            attempts.hint = hint;
        }
        // Left out first: an optional field then simply takes its default.
        // Not an object: given one, serde says which fields it takes.
        let object = attempts.hint == Some(Expected::Object) && attempts.tried.is_empty();
        if there && !object && !attempts.left_out && attempts.tried.is_empty() && matches!(loc.last(), Some(Step::Key(_))) {
            attempts.left_out = true;
            return take(&mut self.value, loc);
        }
        let wanted = attempts.hint.as_ref().and_then(|h| placeholder(h, self.learned.get(loc)));
        let next = wanted.into_iter().chain(any_placeholder()).find(|c| !attempts.tried.contains(c));
        match next {
            Some(candidate) => {
                attempts.tried.push(candidate.clone());
                put(&mut self.value, loc, candidate)
            }
            None => false,
        }
    }

    /// What the value at `loc` must be: asked by reading once with text there.
    fn shape<T: DeserializeOwned>(&mut self, loc: &[Step]) -> Shape {
        if let Some(known) = self.shapes.get(loc) {
            return *known;
        }
        self.rounds += 1;
        let mut probe = self.value.clone();
        let mut answer = Shape::Other;
        if put(&mut probe, loc, Value::String(String::new())) {
            if let Err(e) = serde_path_to_error::deserialize::<_, T>(&probe) {
                let message = e.inner().to_string();
                if steps(e.path()).0 == loc {
                    if message.contains("expected internally tagged enum") {
                        answer = Shape::Tagged;
                    } else if matches!(words::read(&message), Said::Wrong { expected: Expected::Object, .. }) {
                        answer = Shape::Object;
                    }
                }
            }
        }
        self.shapes.insert(loc.to_vec(), answer);
        answer
    }

    /// A list where an object belongs (serde reads a struct from a list too, field by field): the outermost such list on the way to `loc`.
    fn list_for_object<T: DeserializeOwned>(&mut self, loc: &[Step]) -> Option<Loc> {
        (0..loc.len()).find_map(|n| {
            let prefix = &loc[..n];
            let is_list = at(&self.value, prefix).is_some_and(Value::is_array);
            (is_list && self.shape::<T>(prefix) != Shape::Other).then(|| prefix.to_vec())
        })
    }

    /// Where a wrong value is. serde's path stops at an internally tagged
    /// enum (it reads the enum's fields from a buffer), so when the path ends
    /// at an object or list and serde saw something else, it is inside.
    fn locate<T: DeserializeOwned>(&mut self, path: Loc, cut: bool, got: &Got) -> Loc {
        if cut {
            return path;
        }
        let Some(here) = at(&self.value, &path) else { return path };
        if is_plain(here) {
            return path;
        }
        let inside = find_inside(here, got);
        let Some(inside) = inside else { return path };
        // An object where text belongs, say: it is this value, unless this is an object that carries such a value.
        if matches(here, got) && self.shape::<T>(&path) != Shape::Tagged {
            return path;
        }
        let mut loc = path;
        loc.extend(inside);
        loc
    }

    /// One error: note it, learn from it, and give its place a placeholder. False: cannot go on.
    fn step<T: DeserializeOwned>(&mut self, path: Loc, cut: bool, said: Said) -> bool {
        // Something serde says about a retagged object's insides (while only the object's path is known).
        let (depth, retagged) = (path.len(), self.retagged.contains(&path));
        let buffered = |loc: &Loc| retagged && loc.len() > depth;
        if let Some(list) = self.list_for_object::<T>(&path) {
            self.report(&list, What::Wrong(Expected::Object, Got::List), false);
            return self.fix(&list, Some(Expected::Object));
        }
        match said {
            Said::Missing(name) => {
                push_new(&mut self.learn(&path).required, &name);
                let mut loc = path.clone();
                loc.push(Step::Key(name));
                let quiet = buffered(&loc);
                self.report(&loc, What::Required, quiet);
                self.fix(&loc, None)
            }
            Said::UnknownField { name, known } => {
                let mut loc = path.clone();
                if loc.last() != Some(&Step::Key(name.clone())) {
                    loc.push(Step::Key(name));
                }
                if let Some(names) = &known {
                    let parent = &loc[..loc.len() - 1];
                    let learned = self.learn(parent);
                    for n in names {
                        push_new(&mut learned.fields, n);
                    }
                }
                let quiet = buffered(&loc);
                self.report(&loc, What::NotAField(known), quiet);
                take(&mut self.value, &loc)
            }
            Said::UnknownVariant { known } => {
                for name in &known {
                    push_new(&mut self.learn(&path).choices, name);
                }
                self.report(&path, What::Choice, false);
                // Another tag means other fields: what serde says about them next is the placeholder's doing.
                if let Some((_, parent)) = path.split_last() {
                    if at(&self.value, parent).is_some_and(Value::is_object) && self.shape::<T>(parent) == Shape::Tagged {
                        self.retagged.insert(parent.to_vec());
                    }
                }
                self.fix(&path, Some(Expected::Choice))
            }
            Said::Wrong { expected, got } => {
                let loc = self.locate::<T>(path.clone(), cut, &got);
                let quiet = buffered(&loc);
                let hint = expected.clone();
                self.report(&loc, What::Wrong(expected, got), quiet);
                self.fix(&loc, Some(hint))
            }
            Said::Date => {
                self.report(&path, What::Date, false);
                self.fix(&path, Some(Expected::Date))
            }
            Said::Twice(_) => {
                self.report(&path, What::Twice, false);
                self.fix(&path, None)
            }
            Said::Other(text) => {
                self.report(&path, What::Said(text), false);
                self.fix(&path, None)
            }
        }
    }

    /// An object's fields as the client should read them: `kind (one of upfront, split, rolling)`.
    fn fields_of(&self, loc: &[Step]) -> Vec<String> {
        let Some(learned) = self.learned.get(loc) else { return Vec::new() };
        let mut names = learned.fields.clone();
        for name in &learned.required {
            push_new(&mut names, name);
        }
        names.retain(|n| n != PROBE);
        names
            .into_iter()
            .map(|name| {
                let mut child = loc.to_vec();
                child.push(Step::Key(name.clone()));
                match self.learned.get(&child) {
                    Some(l) if !l.choices.is_empty() => format!("{name} (one of {})", l.choices.join(", ")),
                    _ => name,
                }
            })
            .collect()
    }

    fn message(&self, found: &Found) -> String {
        let choices = self.learned.get(&found.loc).map(|l| l.choices.as_slice()).unwrap_or(&[]);
        match &found.what {
            What::Required => words::required(choices),
            What::NotAField(known) => words::not_known(known.as_deref(), "field"),
            What::Choice | What::Wrong(Expected::Choice, _) => words::one_of(choices),
            What::Date => words::DATE.to_owned(),
            What::Wrong(Expected::Object, _) => words::object(&self.fields_of(&found.loc)),
            What::Wrong(expected, got) => words::wrong(expected, got, found.sent.as_ref()),
            What::Twice => "appears more than once; send each field once".to_owned(),
            What::Said(text) => words::passthrough(text),
        }
    }

    /// Puts the errors in the order of the body (serde reads an object's keys
    /// sorted); a missing field comes after what its object holds.
    fn sort(&mut self, body: Option<&[u8]>) {
        let Some(body) = body.filter(|_| self.found.len() > 1) else { return };
        let mut wanted = HashSet::new();
        for f in &self.found {
            for n in 0..=f.loc.len() {
                wanted.insert(f.loc[..n].to_vec());
            }
        }
        let mut spans = HashMap::new();
        let (mut at, mut next) = (Vec::new(), 0);
        let mut de = serde_json::Deserializer::from_slice(body);
        if (Order { at: &mut at, wanted: &wanted, spans: &mut spans, next: &mut next }).deserialize(&mut de).is_err() {
            return;
        }
        self.found.sort_by_cached_key(|f| match spans.get(&f.loc) {
            Some((start, _)) => *start,
            None => (0..f.loc.len()).rev().find_map(|n| spans.get(&f.loc[..n]).map(|(_, end)| *end)).unwrap_or(usize::MAX),
        });
    }

    fn errors(&self) -> Vec<FieldError> {
        self.found.iter().map(|f| FieldError::new(display(&f.loc), self.message(f))).collect()
    }
}

/// Reads `value` into `T`, noting every field that does not fit. `Ok`: the
/// value (with placeholders where fields were bad) and the fields' errors,
/// in the order of `body` when it is given (the text `value` was read
/// from). `Err`: the errors found before the value could not be read on
/// (never empty).
pub(crate) fn read_all<T: DeserializeOwned>(
    value: Value,
    twice: Vec<Loc>,
    body: Option<&[u8]>,
) -> Result<(T, Vec<FieldError>), Vec<FieldError>> {
    let mut repair = Repair {
        value,
        found: twice.into_iter().map(|loc| Found { loc, what: What::Twice, sent: None }).collect(),
        attempts: HashMap::new(),
        learned: HashMap::new(),
        shapes: HashMap::new(),
        retagged: HashSet::new(),
        rounds: 0,
    };
    while repair.rounds < MAX_ROUNDS {
        repair.rounds += 1;
        let error = match serde_path_to_error::deserialize::<_, T>(&repair.value) {
            Ok(read) => {
                repair.sort(body);
                return Ok((read, repair.errors()));
            }
            Err(error) => error,
        };
        let (path, cut) = steps(error.path());
        let said = words::read(&error.into_inner().to_string());
        if !repair.step::<T>(path, cut, said) {
            break;
        }
    }
    repair.sort(body);
    let mut errors = repair.errors();
    if errors.is_empty() {
        errors.push(FieldError::new("body", "could not be read; check it against the documentation"));
    }
    Err(errors)
}

/// Builds a JSON value from the parser as `serde_json::Value` does, and notes
/// keys sent twice in one object (a `Value` would keep the last silently).
pub(crate) struct Reader<'a> {
    pub(crate) at: &'a mut Loc,
    pub(crate) twice: &'a mut Vec<Loc>,
}

impl<'de> DeserializeSeed<'de> for Reader<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Reader<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut list = Vec::new();
        loop {
            self.at.push(Step::Index(list.len()));
            let next = seq.next_element_seed(Reader { at: &mut *self.at, twice: &mut *self.twice });
            self.at.pop();
            match next? {
                Some(v) => list.push(v),
                None => return Ok(Value::Array(list)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            self.at.push(Step::Key(key.clone()));
            let value = access.next_value_seed(Reader { at: &mut *self.at, twice: &mut *self.twice })?;
            if map.contains_key(&key) && !self.twice.contains(self.at) {
                self.twice.push(self.at.clone());
            }
            self.at.pop();
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

/// Walks the body once more to number the places that have errors, in the
/// order they are written: each place's start and end.
struct Order<'a> {
    at: &'a mut Loc,
    wanted: &'a HashSet<Loc>,
    spans: &'a mut HashMap<Loc, (usize, usize)>,
    next: &'a mut usize,
}

impl Order<'_> {
    fn tick(&mut self) -> usize {
        *self.next += 1;
        *self.next
    }

    fn scalar<E>(mut self) -> Result<(), E> {
        let start = self.tick();
        let end = self.tick();
        self.note(start, end);
        Ok(())
    }

    fn note(&mut self, start: usize, end: usize) {
        if self.wanted.contains(self.at) {
            self.spans.insert(self.at.clone(), (start, end));
        }
    }

    fn child(&mut self) -> Order<'_> {
        Order { at: &mut *self.at, wanted: self.wanted, spans: &mut *self.spans, next: &mut *self.next }
    }
}

impl<'de> DeserializeSeed<'de> for Order<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Order<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.scalar()
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.scalar()
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.scalar()
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.scalar()
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.scalar()
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.scalar()
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let start = self.tick();
        let mut i = 0;
        loop {
            self.at.push(Step::Index(i));
            let more = seq.next_element_seed(self.child());
            self.at.pop();
            if more?.is_none() {
                break;
            }
            i += 1;
        }
        let end = self.tick();
        self.note(start, end);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut access: A) -> Result<(), A::Error> {
        let start = self.tick();
        while let Some(key) = access.next_key::<String>()? {
            self.at.push(Step::Key(key));
            let value = access.next_value_seed(self.child());
            self.at.pop();
            value?;
        }
        let end = self.tick();
        self.note(start, end);
        Ok(())
    }
}
