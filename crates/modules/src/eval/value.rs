//! Values of the abstract evaluator. Everything we cannot know is `Unknown`; collections carry an
//! `open` flag when some of their members could not be determined.

use std::collections::BTreeMap;
use std::rc::Rc;

use base::{FileId, TextRange, VfsPath};

/// A location in a file.
pub type Loc = (FileId, TextRange);

/// Index of a thunk in the evaluator's arena.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct ThunkId(pub u32);

/// Index of an environment frame in the evaluator's arena.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct EnvId(pub u32);

/// One attribute of an attribute set value.
#[derive(Clone, Debug)]
pub struct AttrEntry {
    /// The value.
    pub thunk: ThunkId,
    /// Where the attribute name is written, if in source.
    pub key: Option<Loc>,
}

/// An attribute set.
#[derive(Clone, Debug, Default)]
pub struct AttrsValue {
    /// Known attributes.
    pub map: BTreeMap<Rc<str>, AttrEntry>,
    /// More attributes may exist.
    pub open: bool,
    /// The literal that built it (and the environment of its values).
    pub origin: Option<(Loc, EnvId)>,
}

/// A list.
#[derive(Clone, Debug, Default)]
pub struct ListValue {
    /// Known items.
    pub items: Vec<ThunkId>,
    /// More items may exist.
    pub open: bool,
}

/// A function literal with its environment.
#[derive(Clone, Debug)]
pub struct Closure {
    /// The lambda node.
    pub loc: Loc,
    /// The environment it closes over.
    pub env: EnvId,
}

/// A builtin or library function we model.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Prim {
    /// `import path`.
    Import,
    /// `mapAttrs f set`.
    MapAttrs,
    /// `genAttrs names f`.
    GenAttrs,
    /// `listToAttrs list`.
    ListToAttrs,
    /// `attrNames set`.
    AttrNames,
    /// `attrValues set`.
    AttrValues,
    /// `map f list`.
    Map,
    /// `optional cond x`.
    Optional,
    /// `optionals cond xs`.
    Optionals,
    /// `optionalAttrs cond set`.
    OptionalAttrs,
    /// `mkIf cond x` (taken as `x`).
    MkIf,
    /// `mkDefault x`, `mkForce x`, `id x`… (taken as `x`).
    Identity,
    /// `mkOverride prio x` (taken as `x`).
    MkOverride,
    /// `recursiveUpdate a b` (taken as `a // b`).
    RecursiveUpdate,
    /// `toString x`.
    ToString,
    /// flake-parts' `withSystem system f`.
    WithSystem,
    /// A configuration function.
    System(SystemKind),
    /// flake-parts' `mkFlake args module`.
    MkFlake,
    /// A flake's `self`: `FlakeSelf outputs inputs` is the outputs with `outputs` and `inputs`.
    FlakeSelf,
}

/// The configuration-building functions.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum SystemKind {
    /// `nixpkgs.lib.nixosSystem`.
    Nixos,
    /// nix-darwin's `darwinSystem`.
    Darwin,
    /// home-manager's `homeManagerConfiguration`.
    HomeManager,
    /// `lib.evalModules`.
    EvalModules,
}

impl Prim {
    /// How many arguments the primitive takes.
    pub fn arity(self) -> usize {
        match self {
            Prim::Import
            | Prim::ListToAttrs
            | Prim::AttrNames
            | Prim::AttrValues
            | Prim::Identity
            | Prim::ToString
            | Prim::System(_) => 1,
            Prim::MapAttrs
            | Prim::GenAttrs
            | Prim::Map
            | Prim::Optional
            | Prim::Optionals
            | Prim::OptionalAttrs
            | Prim::MkIf
            | Prim::MkOverride
            | Prim::RecursiveUpdate
            | Prim::WithSystem
            | Prim::MkFlake
            | Prim::FlakeSelf => 2,
        }
    }

    /// The primitive a library/builtins attribute name stands for.
    pub fn from_name(name: &str) -> Option<Prim> {
        Some(match name {
            "import" => Prim::Import,
            "mapAttrs" => Prim::MapAttrs,
            "genAttrs" => Prim::GenAttrs,
            "listToAttrs" => Prim::ListToAttrs,
            "attrNames" => Prim::AttrNames,
            "attrValues" => Prim::AttrValues,
            "map" => Prim::Map,
            "optional" => Prim::Optional,
            "optionals" => Prim::Optionals,
            "optionalAttrs" => Prim::OptionalAttrs,
            "mkIf" => Prim::MkIf,
            "mkDefault" | "mkForce" | "mkBefore" | "mkAfter" | "id" => Prim::Identity,
            "mkOverride" | "mkOrder" => Prim::MkOverride,
            "recursiveUpdate" => Prim::RecursiveUpdate,
            "toString" => Prim::ToString,
            "withSystem" => Prim::WithSystem,
            "nixosSystem" => Prim::System(SystemKind::Nixos),
            "darwinSystem" => Prim::System(SystemKind::Darwin),
            "homeManagerConfiguration" => Prim::System(SystemKind::HomeManager),
            "evalModules" => Prim::System(SystemKind::EvalModules),
            "mkFlake" => Prim::MkFlake,
            _ => return None,
        })
    }
}

/// An abstract value.
#[derive(Clone, Debug)]
pub enum Value {
    /// Not known statically.
    Unknown,
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A string without interpolation.
    Str(Rc<str>),
    /// A path, with where it was written.
    Path(Rc<VfsPath>, Option<Loc>),
    /// A list.
    List(Rc<ListValue>),
    /// An attribute set.
    Attrs(Rc<AttrsValue>),
    /// A function literal.
    Lambda(Rc<Closure>),
    /// A partially applied primitive.
    Prim(Prim, Rc<Vec<ThunkId>>),
    /// Something outside the flake: a flake input (`input`), `builtins` or a module's `lib`
    /// (`input` = None), with the attribute path selected from it.
    Ext(Option<Rc<str>>, Rc<Vec<Rc<str>>>),
    /// The result of a configuration call (index into the recorded calls).
    Config(usize),
    /// A module argument of some evaluation (value not modelled).
    Arg(Rc<str>),
    /// `l // r` where a side is not a known attribute set (`nixpkgs.lib // home-manager.lib`):
    /// an attribute comes from `r` unless `r` is known to lack it.
    Update(Rc<Value>, Rc<Value>),
}

impl Value {
    /// Whether the value is a closed attribute set holding `name`.
    pub fn attrs(&self) -> Option<&AttrsValue> {
        match self {
            Value::Attrs(a) => Some(a),
            _ => None,
        }
    }
}
