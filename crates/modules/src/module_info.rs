//! What one module expression says about arguments, computed from its file's tree alone:
//! the pattern and each formal's uses, the uses in strict (structural) positions, and the
//! definitions that matter to the module graph (`imports`, `_module.args`, home-manager and
//! nixpkgs settings).

use std::collections::HashSet;

use rowan::ast::AstNode;
use syntax::ast::HasEntry;
use syntax::{SyntaxKind, SyntaxNode, TextRange, ast};

use crate::scope::{BinderKind, Resolution, Resolved};
use crate::syntax_util::{
    apply_head, attrpath_names_dynamic, is_literal_false, node_at, strip_parens,
};

/// The overall form of a module expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModuleShape {
    /// A function of the module arguments.
    Function,
    /// An attribute set.
    AttrSet,
    /// A bare `lib.mkIf c { … }`, taken as config-only.
    ConfigOnly,
    /// Something else (a variable, an application…): its content is not known.
    Other,
}

/// One name of a module function's pattern.
#[derive(Clone, Debug)]
pub struct Formal {
    /// The name.
    pub name: String,
    /// Range of the name in the pattern.
    pub range: TextRange,
    /// The pattern entry (`name ? default`) range.
    pub entry_range: TextRange,
    /// Range of the `? default` expression, if any (never used by the module system).
    pub default: Option<TextRange>,
    /// Every use of the formal in the module.
    pub uses: Vec<TextRange>,
}

/// `args.X` where `args` is the whole argument set (`args@{ … }` or `args:`).
#[derive(Clone, Debug)]
pub struct ArgsSelect {
    /// The selected name `X`.
    pub name: String,
    /// Range of the `X` attribute.
    pub range: TextRange,
    /// `args.X or d`: never an error.
    pub has_default: bool,
}

/// The module function's parameter.
#[derive(Clone, Debug, Default)]
pub struct Param {
    /// The lambda node.
    pub lambda: TextRange,
    /// The `{ … }` pattern, if any.
    pub pattern: Option<TextRange>,
    /// The pattern names.
    pub formals: Vec<Formal>,
    /// The pattern has `...` (or there is no pattern).
    pub ellipsis: bool,
    /// The name bound to the whole argument set (`args@{…}`, `args:`) and its range.
    pub whole: Option<(String, TextRange)>,
    /// `whole.X` selections.
    pub args_selects: Vec<ArgsSelect>,
}

/// Why a position is strict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrictPosition {
    /// Inside `imports`.
    Imports,
    /// `disabledModules`, `key`, `_file`, `_class`.
    Structural,
    /// The module's own top-level shape or key set.
    ModuleShape,
    /// The top-level key set of `options`.
    OptionsKeys,
    /// The top-level key set of `config`.
    ConfigKeys,
}

impl StrictPosition {
    /// A phrase naming the position.
    pub fn describe(self) -> &'static str {
        match self {
            StrictPosition::Imports => "`imports`",
            StrictPosition::Structural => {
                "a structural attribute (`disabledModules`, `key`, `_file`, `_class`)"
            }
            StrictPosition::ModuleShape => "the module's top-level structure",
            StrictPosition::OptionsKeys => "the top-level names of `options`",
            StrictPosition::ConfigKeys => "the top-level names of `config`",
        }
    }
}

/// A use of a module argument in a strict position.
#[derive(Clone, Debug)]
pub struct StrictUse {
    /// The argument's name (for `args.X`, `X`).
    pub name: String,
    /// The use's range.
    pub range: TextRange,
    /// Through the whole-argument binder (`args.X`).
    pub via_whole: bool,
    /// Which position.
    pub position: StrictPosition,
}

/// Whether a definition takes effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Certainty {
    /// Unconditional.
    Always,
    /// Under `mkIf`/`mkMerge` with a condition we do not know.
    Possibly,
    /// Under `mkIf false`.
    Never,
}

/// A definition of an interesting option path.
#[derive(Clone, Debug)]
pub struct Def {
    /// Static option path with the `config.` prefix stripped (e.g. `_module.args.foo`).
    pub path: Vec<String>,
    /// Range of the defining attribute path (or inherited name).
    pub key: TextRange,
    /// Range of the value expression.
    pub value: TextRange,
    /// Whether it takes effect.
    pub certainty: Certainty,
}

/// `imports` where the module system does not look for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MisplacedImports {
    /// Inside a top-level `mkIf` (the module is config-only).
    UnderMkIf,
    /// Under `config` (an undeclared option).
    UnderConfig,
}

/// A `types.submodule x` / `types.submoduleWith { … }` written in a module: a nested
/// evaluation with its own arguments.
#[derive(Clone, Debug)]
pub struct SubmoduleSite {
    /// The application.
    pub site: TextRange,
    /// `submoduleWith { specialArgs; modules; }` (else `submodule modules`).
    pub with: bool,
    /// The argument expression.
    pub arg: TextRange,
}

/// Everything known about one module expression.
#[derive(Clone, Debug)]
pub struct ModuleInfo {
    /// The module expression's range (a lambda, an attribute set…).
    pub range: TextRange,
    /// Its form.
    pub shape: ModuleShape,
    /// The parameter, for function modules.
    pub param: Option<Param>,
    /// The body (the lambda's body, or the expression itself).
    pub body: TextRange,
    /// Uses of module arguments in strict positions.
    pub strict_uses: Vec<StrictUse>,
    /// Interesting definitions.
    pub defs: Vec<Def>,
    /// `imports = …` at the top level: the attribute and the value.
    pub imports: Option<(TextRange, TextRange)>,
    /// `imports` in places where it is not special.
    pub misplaced_imports: Vec<(TextRange, MisplacedImports)>,
    /// Submodule types declared in this module (outside nested functions).
    pub submodules: Vec<SubmoduleSite>,
}

/// Computes the info of the module expression `node` (in the tree resolved by `res`).
pub fn module_info(node: &SyntaxNode, res: &Resolution) -> ModuleInfo {
    let expr = strip_parens(node.clone());
    let mut info = ModuleInfo {
        range: node.text_range(),
        shape: ModuleShape::Other,
        param: None,
        body: expr.text_range(),
        strict_uses: Vec::new(),
        defs: Vec::new(),
        imports: None,
        misplaced_imports: Vec::new(),
        submodules: Vec::new(),
    };
    let mut body = expr.clone();
    if let Some(lambda) = ast::Lambda::cast(expr.clone()) {
        info.shape = ModuleShape::Function;
        info.param = Some(param_info(&lambda, res));
        match lambda.body() {
            Some(b) => body = b.syntax().clone(),
            None => return info,
        }
        info.body = body.text_range();
    }
    let inner = peel(&body);
    if info.shape != ModuleShape::Function {
        info.shape = match inner.kind() {
            SyntaxKind::NODE_ATTR_SET => ModuleShape::AttrSet,
            _ if is_mk_if(&inner) => ModuleShape::ConfigOnly,
            _ => ModuleShape::Other,
        };
    }
    if let Some(param) = &info.param {
        info.strict_uses = strict_uses(&body, param, res);
    }
    collect_defs(&body, &mut info);
    info.submodules = submodule_sites(&body);
    info
}

/// `types.submodule x` / `types.submoduleWith x` applications in `body`, not looking inside
/// nested functions (those are modules or helpers of their own).
fn submodule_sites(body: &SyntaxNode) -> Vec<SubmoduleSite> {
    let mut out = Vec::new();
    let mut walk = body.preorder();
    while let Some(event) = walk.next() {
        let syntax::WalkEvent::Enter(n) = event else {
            continue;
        };
        if n.kind() == SyntaxKind::NODE_LAMBDA && &n != body {
            walk.skip_subtree();
            continue;
        }
        if n.kind() != SyntaxKind::NODE_APPLY {
            continue;
        }
        if let Some((name, args)) = apply_head(&n)
            && args.len() == 1
            && matches!(name.as_str(), "submodule" | "submoduleWith")
        {
            out.push(SubmoduleSite {
                site: n.text_range(),
                with: name == "submoduleWith",
                arg: args[0].text_range(),
            });
        }
    }
    out
}

/// Strips parens, `let … in`, `with …;` and `assert …;` down to the value.
pub(crate) fn peel(node: &SyntaxNode) -> SyntaxNode {
    let mut cur = strip_parens(node.clone());
    for _ in 0..64 {
        let next = match cur.kind() {
            SyntaxKind::NODE_LET_IN => ast::LetIn::cast(cur.clone())
                .and_then(|l| l.body())
                .map(|b| b.syntax().clone()),
            SyntaxKind::NODE_WITH => ast::With::cast(cur.clone())
                .and_then(|w| w.body())
                .map(|b| b.syntax().clone()),
            SyntaxKind::NODE_ASSERT => ast::Assert::cast(cur.clone())
                .and_then(|a| a.body())
                .map(|b| b.syntax().clone()),
            _ => None,
        };
        match next {
            Some(n) => cur = strip_parens(n),
            None => break,
        }
    }
    cur
}

fn is_mk_if(node: &SyntaxNode) -> bool {
    apply_head(node).is_some_and(|(name, args)| name == "mkIf" && args.len() == 2)
}

fn param_info(lambda: &ast::Lambda, res: &Resolution) -> Param {
    let mut param = Param {
        lambda: lambda.syntax().text_range(),
        ellipsis: true,
        ..Param::default()
    };
    match lambda.param() {
        Some(ast::Param::IdentParam(p)) => {
            if let Some(ident) = p.ident() {
                param.whole = Some((
                    ident.syntax().text().to_string(),
                    ident.syntax().text_range(),
                ));
            }
        }
        Some(ast::Param::Pattern(p)) => {
            param.pattern = Some(p.syntax().text_range());
            param.ellipsis = p.ellipsis_token().is_some();
            for entry in p.pat_entries() {
                let Some(ident) = entry.ident() else { continue };
                let range = ident.syntax().text_range();
                let uses = res
                    .binder_defined_at(range)
                    .map(|b| res.uses(b).map(|r| r.range).collect())
                    .unwrap_or_default();
                param.formals.push(Formal {
                    name: ident.syntax().text().to_string(),
                    range,
                    entry_range: entry.syntax().text_range(),
                    default: entry.default().map(|d| d.syntax().text_range()),
                    uses,
                });
            }
            if let Some(ident) = p.pat_bind().and_then(|b| b.ident()) {
                param.whole = Some((
                    ident.syntax().text().to_string(),
                    ident.syntax().text_range(),
                ));
            }
        }
        None => {}
    }
    if let Some((_, range)) = &param.whole
        && let Some(b) = res.binder_defined_at(*range)
    {
        let root = lambda
            .syntax()
            .ancestors()
            .last()
            .unwrap_or_else(|| lambda.syntax().clone());
        for r in res.uses(b) {
            if let Some(sel) = whole_select(&root, r.range) {
                param.args_selects.push(sel);
            }
        }
    }
    param
}

/// For a use of the whole-argument binder at `range`, the `args.X` selection it starts.
fn whole_select(root: &SyntaxNode, range: TextRange) -> Option<ArgsSelect> {
    let ident = node_at(root, range)?;
    let select = ast::Select::cast(ident.parent()?)?;
    if select.expr()?.syntax().text_range() != range {
        return None;
    }
    let first = select.attrpath()?.attrs().next()?;
    let name = crate::syntax_util::attr_name(&first)?;
    Some(ArgsSelect {
        name,
        range: first.syntax().text_range(),
        has_default: select.or_token().is_some(),
    })
}

#[derive(Clone, Copy)]
enum Mode {
    /// The value's shape and key set are forced (module top level when `top`).
    Shape { top: bool },
    /// Only the top-level key set of `options`/`config`.
    Keys,
    /// `imports`: elements are modules or fully forced.
    Imports,
    /// Everything is forced.
    Full,
}

fn strict_uses(body: &SyntaxNode, param: &Param, res: &Resolution) -> Vec<StrictUse> {
    let root = body.ancestors().last().unwrap_or_else(|| body.clone());
    let mut out = Vec::new();
    let mut seen: HashSet<(TextRange, u8)> = HashSet::new();
    let mut work: Vec<(SyntaxNode, Mode, StrictPosition)> = vec![(
        body.clone(),
        Mode::Shape { top: true },
        StrictPosition::ModuleShape,
    )];
    let formal_ranges: Vec<TextRange> = param.formals.iter().map(|f| f.range).collect();
    let whole_range = param.whole.as_ref().map(|(_, r)| *r);
    let mut budget = 100_000usize;
    while let Some((node, mode, pos)) = work.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        let tag = match mode {
            Mode::Shape { top: true } => 0,
            Mode::Shape { top: false } => 1,
            Mode::Keys => 2,
            Mode::Imports => 3,
            Mode::Full => 4,
        };
        if !seen.insert((node.text_range(), tag)) {
            continue;
        }
        match mode {
            Mode::Full => {
                for n in forced_idents(&node) {
                    let Some(r) = res.reference_at(n.text_range()) else {
                        continue;
                    };
                    if r.range != n.text_range() {
                        continue;
                    }
                    let b = match r.resolved {
                        Resolved::Binder(b) => b,
                        Resolved::With => {
                            // A name looked up dynamically forces every enclosing `with`
                            // namespace (innermost first, until one has it).
                            for w in n.ancestors().filter(|a| a.kind() == SyntaxKind::NODE_WITH) {
                                if let Some(ns) = ast::With::cast(w).and_then(|w| w.namespace())
                                    && !ns.syntax().text_range().contains_range(n.text_range())
                                {
                                    work.push((ns.syntax().clone(), Mode::Full, pos));
                                }
                            }
                            continue;
                        }
                        Resolved::Global => continue,
                    };
                    let binder = &res.binders[b as usize];
                    if formal_ranges.contains(&binder.range) {
                        out.push(StrictUse {
                            name: binder.name.clone(),
                            range: r.range,
                            via_whole: false,
                            position: pos,
                        });
                    } else if Some(binder.range) == whole_range {
                        if let Some(sel) = whole_select(&root, r.range) {
                            out.push(StrictUse {
                                name: sel.name,
                                range: sel.range,
                                via_whole: true,
                                position: pos,
                            });
                        }
                    } else if let BinderKind::Let { value: Some(v) }
                    | BinderKind::Rec { value: Some(v) } = binder.kind
                        && v != binder.range
                        && let Some(value) = node_at(&root, v)
                    {
                        work.push((value, Mode::Full, pos));
                    } else if let BinderKind::Let { value: Some(v) } = binder.kind
                        && v == binder.range
                    {
                        // `inherit x;` in a let: the inherited name is itself a reference.
                        if let Some(value) = node_at(&root, v) {
                            work.push((value, Mode::Full, pos));
                        }
                    }
                }
            }
            Mode::Imports => {
                let node = strip_parens(node);
                match node.kind() {
                    SyntaxKind::NODE_WITH | SyntaxKind::NODE_LET_IN => {
                        let body = ast::With::cast(node.clone())
                            .and_then(|w| w.body())
                            .or_else(|| ast::LetIn::cast(node.clone()).and_then(|l| l.body()));
                        if let Some(b) = body {
                            work.push((b.syntax().clone(), Mode::Imports, pos));
                        }
                    }
                    SyntaxKind::NODE_LIST => {
                        for item in node.children() {
                            let item = strip_parens(item);
                            match item.kind() {
                                SyntaxKind::NODE_LAMBDA => {
                                    if let Some(b) = ast::Lambda::cast(item).and_then(|l| l.body())
                                    {
                                        work.push((
                                            b.syntax().clone(),
                                            Mode::Shape { top: true },
                                            StrictPosition::Imports,
                                        ));
                                    }
                                }
                                SyntaxKind::NODE_ATTR_SET => work.push((
                                    item,
                                    Mode::Shape { top: true },
                                    StrictPosition::Imports,
                                )),
                                _ => work.push((item, Mode::Full, pos)),
                            }
                        }
                    }
                    SyntaxKind::NODE_BIN_OP if is_binop(&node, ast::BinOpKind::Concat) => {
                        for c in node.children() {
                            work.push((c, Mode::Imports, pos));
                        }
                    }
                    _ => work.push((node, Mode::Full, pos)),
                }
            }
            Mode::Shape { .. } | Mode::Keys => {
                let node = strip_parens(node);
                match node.kind() {
                    SyntaxKind::NODE_LET_IN => {
                        if let Some(b) = ast::LetIn::cast(node).and_then(|l| l.body()) {
                            work.push((b.syntax().clone(), mode, pos));
                        }
                    }
                    SyntaxKind::NODE_WITH => {
                        // The namespace is only forced when a strict name is looked up in it
                        // (handled where such a name is met), not by producing the body.
                        if let Some(b) = ast::With::cast(node).and_then(|w| w.body()) {
                            work.push((b.syntax().clone(), mode, pos));
                        }
                    }
                    SyntaxKind::NODE_ASSERT => {
                        let a = ast::Assert::cast(node);
                        if let Some(c) = a.as_ref().and_then(|a| a.condition()) {
                            work.push((c.syntax().clone(), Mode::Full, pos));
                        }
                        if let Some(b) = a.and_then(|a| a.body()) {
                            work.push((b.syntax().clone(), mode, pos));
                        }
                    }
                    SyntaxKind::NODE_IF_ELSE => {
                        let i = ast::IfElse::cast(node);
                        if let Some(i) = i {
                            if let Some(c) = i.condition() {
                                work.push((c.syntax().clone(), Mode::Full, pos));
                            }
                            for b in [i.body(), i.else_body()].into_iter().flatten() {
                                work.push((b.syntax().clone(), mode, pos));
                            }
                        }
                    }
                    SyntaxKind::NODE_BIN_OP if is_binop(&node, ast::BinOpKind::Update) => {
                        for c in node.children() {
                            work.push((c, mode, pos));
                        }
                    }
                    SyntaxKind::NODE_APPLY => {
                        let Some((name, args)) = apply_head(&node) else {
                            continue;
                        };
                        match name.as_str() {
                            "optionalAttrs" if args.len() == 2 => {
                                work.push((args[0].clone(), Mode::Full, pos));
                                work.push((args[1].clone(), mode, pos));
                            }
                            _ => {}
                        }
                    }
                    SyntaxKind::NODE_IDENT => {
                        // A let-bound attribute set at a shape position: follow it.
                        if let Some(r) = res.reference_at(node.text_range())
                            && let Resolved::Binder(b) = r.resolved
                        {
                            let binder = &res.binders[b as usize];
                            if let BinderKind::Let { value: Some(v) } = binder.kind
                                && v != binder.range
                                && let Some(value) = node_at(&root, v)
                            {
                                work.push((value, mode, pos));
                            } else {
                                work.push((node, Mode::Full, pos));
                            }
                        }
                    }
                    SyntaxKind::NODE_SELECT => work.push((node, Mode::Full, pos)),
                    SyntaxKind::NODE_ATTR_SET => {
                        let Some(set) = ast::AttrSet::cast(node) else {
                            continue;
                        };
                        let top = matches!(mode, Mode::Shape { top: true });
                        shape_entries(&set, top, pos, &mut work);
                    }
                    _ => {}
                }
            }
        }
    }
    out.sort_by_key(|u| u.range.start());
    out.dedup_by_key(|u| u.range);
    out
}

/// The identifiers of `node` that evaluating it forces, approximately: everything except the
/// values of an attribute set passed to a function (`import ./x.nix { inherit pkgs; }` does not
/// force `pkgs`) and `or` defaults. Erring towards "not forced" keeps false alarms away.
fn forced_idents(node: &SyntaxNode) -> Vec<SyntaxNode> {
    let mut out = Vec::new();
    let mut walk = node.preorder();
    while let Some(event) = walk.next() {
        let syntax::WalkEvent::Enter(n) = event else {
            continue;
        };
        let lazy = match n.parent() {
            Some(p) if p.kind() == SyntaxKind::NODE_ATTRPATH_VALUE => {
                // A value of a set that is itself a function argument.
                p.parent().is_some_and(|set| {
                    set.kind() == SyntaxKind::NODE_ATTR_SET
                        && set.parent().is_some_and(|a| {
                            a.kind() == SyntaxKind::NODE_APPLY
                                && ast::Apply::cast(a)
                                    .and_then(|a| a.argument())
                                    .map(|x| x.syntax().clone())
                                    == Some(set.clone())
                        })
                }) && ast::AttrpathValue::cast(p)
                    .and_then(|apv| apv.value())
                    .map(|v| v.syntax().clone())
                    == Some(n.clone())
            }
            // A `with` namespace is forced only when a name is looked up in it.
            Some(p) if p.kind() == SyntaxKind::NODE_WITH => {
                ast::With::cast(p)
                    .and_then(|w| w.namespace())
                    .map(|ns| ns.syntax().clone())
                    == Some(n.clone())
            }
            Some(p) if p.kind() == SyntaxKind::NODE_INHERIT => false,
            Some(p) if p.kind() == SyntaxKind::NODE_SELECT => {
                ast::Select::cast(p)
                    .and_then(|s| s.default_expr())
                    .map(|d| d.syntax().clone())
                    == Some(n.clone())
            }
            _ => false,
        };
        if lazy {
            walk.skip_subtree();
        } else if n.kind() == SyntaxKind::NODE_IDENT {
            out.push(n.clone());
        }
    }
    // `inherit x;` in a set passed to a function is lazy too.
    out.retain(|ident| {
        let Some(inherit) = ident
            .parent()
            .filter(|p| p.kind() == SyntaxKind::NODE_INHERIT)
        else {
            return true;
        };
        !inherit.parent().is_some_and(|set| {
            set.kind() == SyntaxKind::NODE_ATTR_SET
                && set
                    .parent()
                    .is_some_and(|a| a.kind() == SyntaxKind::NODE_APPLY)
        })
    });
    out
}

fn shape_entries(
    set: &ast::AttrSet,
    top: bool,
    pos: StrictPosition,
    work: &mut Vec<(SyntaxNode, Mode, StrictPosition)>,
) {
    for apv in set.attrpath_values() {
        let Some(path) = apv.attrpath() else { continue };
        let attrs: Vec<ast::Attr> = path.attrs().collect();
        let Some(first) = attrs.first() else { continue };
        let first_name = crate::syntax_util::attr_name(first);
        let Some(first_name) = first_name else {
            // A dynamic key at this level: its name is needed now.
            if let ast::Attr::Dynamic(d) = first
                && let Some(e) = d.expr()
            {
                work.push((e.syntax().clone(), Mode::Full, pos));
            } else {
                work.push((first.syntax().clone(), Mode::Full, pos));
            }
            continue;
        };
        if !top {
            continue;
        }
        let value = apv.value().map(|v| v.syntax().clone());
        match (first_name.as_str(), attrs.len()) {
            ("imports", 1) => {
                if let Some(v) = value {
                    work.push((v, Mode::Imports, StrictPosition::Imports));
                }
            }
            ("disabledModules" | "key" | "_file" | "_class" | "require", _) => {
                if let Some(v) = value {
                    work.push((v, Mode::Full, StrictPosition::Structural));
                }
            }
            ("options" | "config" | "_module", n) => {
                let p = if first_name == "options" {
                    StrictPosition::OptionsKeys
                } else {
                    StrictPosition::ConfigKeys
                };
                if n == 1 {
                    if let Some(v) = value {
                        work.push((v, Mode::Keys, p));
                    }
                } else if let Some(ast::Attr::Dynamic(d)) = attrs.get(1)
                    && crate::syntax_util::attr_name(&attrs[1]).is_none()
                    && let Some(e) = d.expr()
                {
                    work.push((e.syntax().clone(), Mode::Full, p));
                }
            }
            _ => {}
        }
    }
}

fn is_binop(node: &SyntaxNode, kind: ast::BinOpKind) -> bool {
    ast::BinOp::cast(node.clone()).and_then(|b| b.operator()) == Some(kind)
}

/// Option paths whose definitions the module graph needs (`*` matches any one name).
const INTERESTING: &[&[&str]] = &[
    &["imports"],
    &["_module", "args", "*"],
    &["home-manager", "users", "*"],
    &["home-manager", "sharedModules"],
    &["home-manager", "extraSpecialArgs", "*"],
    &["home-manager", "useGlobalPkgs"],
    &["nixpkgs", "config"],
    &["nixpkgs", "pkgs"],
    &["nixpkgs", "overlays"],
];

/// `Some(true)` if `path` is an interesting path, `Some(false)` if a strict prefix of one.
fn interest(path: &[String]) -> Option<bool> {
    let mut prefix = false;
    for pat in INTERESTING {
        if path.len() > pat.len() {
            continue;
        }
        let matches = path
            .iter()
            .zip(pat.iter())
            .all(|(p, q)| *q == "*" || p == q);
        if matches {
            if path.len() == pat.len() {
                return Some(true);
            }
            prefix = true;
        }
    }
    prefix.then_some(false)
}

struct DefItem {
    node: SyntaxNode,
    prefix: Vec<String>,
    certainty: Certainty,
    under_config: bool,
    under_mk_if: bool,
}

fn combine(a: Certainty, b: Certainty) -> Certainty {
    match (a, b) {
        (Certainty::Never, _) | (_, Certainty::Never) => Certainty::Never,
        (Certainty::Possibly, _) | (_, Certainty::Possibly) => Certainty::Possibly,
        _ => Certainty::Always,
    }
}

fn collect_defs(body: &SyntaxNode, info: &mut ModuleInfo) {
    let mut work = vec![DefItem {
        node: body.clone(),
        prefix: Vec::new(),
        certainty: Certainty::Always,
        under_config: false,
        under_mk_if: false,
    }];
    let mut budget = 10_000usize;
    while let Some(item) = work.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        let node = if item.prefix.is_empty() {
            peel(&item.node)
        } else {
            strip_parens(item.node.clone())
        };
        match node.kind() {
            SyntaxKind::NODE_ATTR_SET => {
                let Some(set) = ast::AttrSet::cast(node) else {
                    continue;
                };
                for entry in set.entries() {
                    match entry {
                        ast::Entry::AttrpathValue(apv) => {
                            let Some(path) = apv.attrpath() else { continue };
                            // Dynamic names (`home-manager.users.${user}`) are resolved by the
                            // graph, which knows the module's environment.
                            let mut names = attrpath_names_dynamic(&path);
                            let mut under_config = item.under_config;
                            if item.prefix.is_empty()
                                && names.first().is_some_and(|n| n == "config")
                            {
                                names.remove(0);
                                under_config = true;
                                if names.is_empty() {
                                    if let Some(v) = apv.value() {
                                        work.push(DefItem {
                                            node: v.syntax().clone(),
                                            under_config,
                                            ..clone_item(&item)
                                        });
                                    }
                                    continue;
                                }
                            }
                            if item.prefix.is_empty()
                                && names.first().is_some_and(|n| n == "options")
                            {
                                continue;
                            }
                            let mut full = item.prefix.clone();
                            full.extend(names);
                            let Some(value) = apv.value() else { continue };
                            handle_path(
                                info,
                                &mut work,
                                &item,
                                full,
                                path.syntax().text_range(),
                                value.syntax().clone(),
                                under_config,
                            );
                        }
                        ast::Entry::Inherit(inherit) => {
                            let from = inherit
                                .from()
                                .and_then(|f| f.expr())
                                .map(|e| e.syntax().text_range());
                            for attr in inherit.attrs() {
                                let Some(name) = crate::syntax_util::attr_name(&attr) else {
                                    continue;
                                };
                                let mut full = item.prefix.clone();
                                full.push(name);
                                if interest(&full) == Some(true) && full[0] != "imports" {
                                    let r = attr.syntax().text_range();
                                    info.defs.push(Def {
                                        path: full,
                                        key: r,
                                        value: from.unwrap_or(r),
                                        certainty: item.certainty,
                                    });
                                }
                            }
                        }
                    }
                }
            }
            SyntaxKind::NODE_APPLY => {
                let Some((name, args)) = apply_head(&node) else {
                    record_partial(info, &item, &node);
                    continue;
                };
                match (name.as_str(), args.len()) {
                    ("mkIf", 2) => {
                        let c = if is_literal_false(&args[0]) {
                            Certainty::Never
                        } else {
                            Certainty::Possibly
                        };
                        work.push(DefItem {
                            node: args[1].clone(),
                            certainty: combine(item.certainty, c),
                            under_mk_if: true,
                            ..clone_item(&item)
                        });
                    }
                    ("mkMerge", 1) => {
                        let list = strip_parens(args[0].clone());
                        if list.kind() == SyntaxKind::NODE_LIST {
                            for el in list.children() {
                                work.push(DefItem {
                                    node: el,
                                    ..clone_item(&item)
                                });
                            }
                        } else {
                            record_partial(info, &item, &node);
                        }
                    }
                    ("mkDefault" | "mkForce" | "mkBefore" | "mkAfter", 1)
                    | ("mkOverride" | "mkOrder", 2) => {
                        work.push(DefItem {
                            node: args[args.len() - 1].clone(),
                            ..clone_item(&item)
                        });
                    }
                    _ => record_partial(info, &item, &node),
                }
            }
            SyntaxKind::NODE_BIN_OP if is_binop(&node, ast::BinOpKind::Update) => {
                for c in node.children() {
                    work.push(DefItem {
                        node: c,
                        ..clone_item(&item)
                    });
                }
            }
            _ => record_partial(info, &item, &node),
        }
    }
    info.defs.sort_by_key(|d| d.key.start());
}

fn clone_item(item: &DefItem) -> DefItem {
    DefItem {
        node: item.node.clone(),
        prefix: item.prefix.clone(),
        certainty: item.certainty,
        under_config: item.under_config,
        under_mk_if: item.under_mk_if,
    }
}

/// A value we do not descend into at a prefix of an interesting path (e.g. `_module.args = x;`):
/// recorded so that the graph can evaluate it.
fn record_partial(info: &mut ModuleInfo, item: &DefItem, node: &SyntaxNode) {
    if item.prefix.is_empty() {
        return;
    }
    if interest(&item.prefix) == Some(false) {
        info.defs.push(Def {
            path: item.prefix.clone(),
            key: node.text_range(),
            value: node.text_range(),
            certainty: item.certainty,
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn handle_path(
    info: &mut ModuleInfo,
    work: &mut Vec<DefItem>,
    item: &DefItem,
    full: Vec<String>,
    key: TextRange,
    value: SyntaxNode,
    under_config: bool,
) {
    if full.len() == 1 && full[0] == "imports" {
        if item.prefix.is_empty() && !under_config && !item.under_mk_if {
            info.imports = Some((key, value.text_range()));
        } else {
            let why = if under_config {
                MisplacedImports::UnderConfig
            } else {
                MisplacedImports::UnderMkIf
            };
            info.misplaced_imports.push((key, why));
        }
        return;
    }
    // A path below an interesting one (`nixpkgs.config.allowUnfree`, `home-manager.users.x.imports`)
    // is recorded with its full path.
    let below = (1..full.len()).any(|n| interest(&full[..n]) == Some(true) && full[0] != "imports");
    match interest(&full).or(below.then_some(true)) {
        Some(true) => {
            let mut certainty = item.certainty;
            let v = strip_parens(value.clone());
            if let Some((name, args)) = apply_head(&v)
                && name == "mkIf"
                && args.len() == 2
            {
                let c = if is_literal_false(&args[0]) {
                    Certainty::Never
                } else {
                    Certainty::Possibly
                };
                certainty = combine(certainty, c);
            }
            info.defs.push(Def {
                path: full,
                key,
                value: value.text_range(),
                certainty,
            });
        }
        Some(false) => work.push(DefItem {
            node: value,
            prefix: full,
            certainty: item.certainty,
            under_config,
            under_mk_if: item.under_mk_if,
        }),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::resolve;

    fn check(text: &str) -> String {
        let parse = syntax::parse(text);
        let root = parse.syntax_node();
        let res = resolve(&root);
        let expr = root.first_child().expect("an expression");
        let info = module_info(&expr, &res);
        let mut out = format!("{:?}\n", info.shape);
        if let Some(p) = &info.param {
            for f in &p.formals {
                out.push_str(&format!("formal {} uses={}\n", f.name, f.uses.len()));
            }
            for s in &p.args_selects {
                out.push_str(&format!("args.{} default={}\n", s.name, s.has_default));
            }
        }
        for u in &info.strict_uses {
            out.push_str(&format!(
                "strict {} {:?} `{}`\n",
                u.name, u.position, &text[u.range]
            ));
        }
        for d in &info.defs {
            out.push_str(&format!(
                "def {} {:?} = `{}`\n",
                d.path.join("."),
                d.certainty,
                &text[d.value]
            ));
        }
        if let Some((_, v)) = info.imports {
            out.push_str(&format!("imports `{}`\n", &text[v]));
        }
        for (_, m) in &info.misplaced_imports {
            out.push_str(&format!("misplaced {m:?}\n"));
        }
        out
    }

    #[test]
    fn strict_positions() {
        expect_test::expect![[r#"
            Function
            formal config uses=2
            formal lib uses=2
            formal pkgs uses=2
            formal inputs uses=1
            strict config Imports `config`
            strict inputs Imports `inputs`
            strict lib Imports `lib`
            strict config Imports `config`
            strict lib Imports `lib`
            imports `[ inputs.a ] ++ lib.optional config.x ./a.nix ++ lib.optional c ./b.nix`
        "#]]
        .assert_eq(&check(
            "{ config, lib, pkgs, inputs, ... }:
             let c = config.y; d = pkgs.z; in {
               imports = [ inputs.a ] ++ lib.optional config.x ./a.nix ++ lib.optional c ./b.nix;
               out = [ pkgs.hello d ];
             }",
        ));
    }

    #[test]
    fn shape_and_keys() {
        expect_test::expect![[r#"
            Function
            formal pkgs uses=1
            formal features uses=3
            formal lib uses=3
            strict pkgs ModuleShape `pkgs`
            strict features OptionsKeys `features`
            strict features ConfigKeys `features`
        "#]]
        .assert_eq(&check(
            "{ pkgs, features, lib, ... }:
             if pkgs.isLinux then {
               options = lib.optionalAttrs (features != []) { a = 1; };
               options.b = lib.genAttrs features (f: 1);
               config.${features} = lib.mkIf true {};
             } else {}",
        ));
    }

    #[test]
    fn nested_module_in_imports_and_captures() {
        expect_test::expect![[r#"
            Function
            formal pkgs uses=2
            formal lib uses=1
            strict pkgs Imports `pkgs`
            imports `[ ({ config, ... }: { imports = [ pkgs.x ]; y = config.z; }) ]`
        "#]]
        .assert_eq(&check(
            "{ pkgs, lib, ... }: {
               imports = [ ({ config, ... }: { imports = [ pkgs.x ]; y = config.z; }) ];
               z = lib.mkIf pkgs.y {};
             }",
        ));
    }

    #[test]
    fn defs_and_misplaced_imports() {
        expect_test::expect![[r#"
            Function
            formal lib uses=3
            formal inputs uses=1
            def _module.args.a Always = `1`
            def _module.args.b Never = `lib.mkIf false 2`
            def home-manager.users.alice Always = `import ./home.nix`
            def home-manager.extraSpecialArgs.inputs Always = `inputs`
            def _module.args.c Possibly = `3`
            def home-manager.sharedModules Always = `lib.mkDefault [ ./x.nix ]`
            misplaced UnderConfig
        "#]]
        .assert_eq(&check(
            "{ lib, inputs, ... }: {
               _module.args.a = 1;
               config._module.args.b = lib.mkIf false 2;
               home-manager = { users.alice = import ./home.nix; extraSpecialArgs = { inherit inputs; }; };
               config = lib.mkIf true { _module.args.c = 3; imports = [ ./x.nix ]; };
               config.home-manager.sharedModules = lib.mkDefault [ ./x.nix ];
             }",
        ));
    }

    #[test]
    fn arguments_of_imported_functions_are_lazy() {
        expect_test::expect![[r#"
            Function
            formal config uses=1
            formal lib uses=1
            formal pkgs uses=2
            strict lib Imports `lib`
            strict pkgs Imports `pkgs`
            imports `[ (import ./hw.nix { inherit config; p = pkgs; }) (lib.optional (pkgs.x or false) ./a.nix) ]`
        "#]]
        .assert_eq(&check(
            "{ config, lib, pkgs, ... }: {
               imports = [ (import ./hw.nix { inherit config; p = pkgs; }) (lib.optional (pkgs.x or false) ./a.nix) ];
             }",
        ));
    }

    #[test]
    fn with_namespaces_are_lazy_until_a_name_is_looked_up() {
        expect_test::expect![[r#"
            Function
            formal pkgs uses=1
            formal lib uses=1
            imports `with lib; [ ./a.nix ]`
        "#]]
        .assert_eq(&check(
            "{ pkgs, lib, ... }: with pkgs; { environment.systemPackages = [ vim ]; imports = with lib; [ ./a.nix ]; }",
        ));
        expect_test::expect![[r#"
            Function
            formal pkgs uses=1
            imports `[ foo ]`
        "#]]
        .assert_eq(&check("{ pkgs, ... }: with pkgs; { imports = [ foo ]; }"));
    }

    #[test]
    fn whole_argument_set() {
        expect_test::expect![[r#"
            Function
            formal lib uses=0
            args.fromSpecial default=false
            args.greeting default=true
        "#]]
        .assert_eq(&check(
            "args@{ lib, ... }: { out = [ args.fromSpecial (args.greeting or 1) ]; }",
        ));
    }
}
