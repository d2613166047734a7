//! Common English short forms of first names (Bill for William, Kate for
//! Katherine), as groups of names that may stand for one another.

use std::collections::HashMap;
use std::sync::LazyLock;

/// Each line is one group: a formal name (or two spellings of it) and the
/// short forms people commonly give instead. A name may be in several
/// groups (`Al` is Alan, Albert, Alfred or Alexander). All lower case.
#[rustfmt::skip]
const GROUPS: &[&[&str]] = &[
    &["abigail", "abi", "abby", "gail"],
    &["albert", "al", "bert", "bertie", "albie"],
    &["alan", "allan", "allen", "al"],
    &["alexander", "alex", "alec", "alexis", "al", "sandy", "xander", "zander"],
    &["alexandra", "alex", "alexa", "lexi", "lexie", "sandra", "sandy", "sasha"],
    &["alfred", "alf", "alfie", "fred", "freddie", "al"],
    &["andrew", "andy", "drew"],
    &["anne", "ann", "anna", "annie", "nan", "nancy", "hannah"],
    &["anthony", "antony", "tony", "ant"],
    &["archibald", "archie", "archy"],
    &["arthur", "art", "artie"],
    &["barbara", "barb", "babs", "barbie"],
    &["benjamin", "ben", "benny", "benji"],
    &["bernard", "bernie", "barney"],
    &["bridget", "bridie", "biddy", "bridgette"],
    &["caroline", "carol", "carrie", "caz", "carolyn"],
    &["catherine", "katherine", "kathryn", "cathryn", "kate", "katie", "katy", "cath", "kath",
      "cathy", "kathy", "kay", "kitty", "kat", "cat", "cate"],
    &["charles", "charlie", "chas", "chaz", "chuck", "chick"],
    &["charlotte", "charlie", "lottie", "lotte", "char"],
    &["christina", "christine", "chris", "chrissie", "tina", "kirsty", "kristina"],
    &["christopher", "chris", "kit", "topher"],
    &["clifford", "cliff"],
    &["daniel", "dan", "danny"],
    &["david", "dave", "davey", "davie", "dai"],
    &["deborah", "debra", "debbie", "deb", "debs"],
    &["dennis", "den", "denny"],
    &["dorothy", "dot", "dotty", "dolly", "dora"],
    &["edward", "ed", "eddie", "eddy", "ted", "teddy", "ned"],
    &["eleanor", "elinor", "ellie", "nell", "nellie", "nora", "elle"],
    &["elizabeth", "elisabeth", "liz", "lizzie", "lizzy", "beth", "betty", "bette", "bess",
      "bessie", "libby", "eliza", "elsie", "lisa", "liza", "lisbeth", "ellie", "betsy"],
    &["emily", "em", "emmy", "millie"],
    &["emma", "em", "emmy"],
    &["florence", "flo", "flossie", "florrie"],
    &["francis", "frances", "fran", "frank", "frankie", "fanny"],
    &["frederick", "fred", "freddie", "freddy"],
    &["gabriel", "gabe", "gabby"],
    &["geoffrey", "jeffrey", "geoff", "jeff"],
    &["gerald", "gerry", "jerry", "ged"],
    &["gillian", "jillian", "gill", "gillie", "jill"],
    &["gordon", "gordie"],
    &["harold", "harry", "hal"],
    &["harriet", "hattie", "hatty", "harry"],
    &["henry", "harry", "hal", "hank"],
    &["isabel", "isabella", "isabelle", "izzy", "bella", "belle", "isla", "libby"],
    &["jacob", "jake", "jack"],
    &["jacqueline", "jackie", "jacqui", "jacky"],
    &["james", "jim", "jimmy", "jamie", "jimmie", "jem"],
    &["jane", "janey", "jenny", "jan"],
    &["janet", "jan", "jenny", "netty"],
    &["jennifer", "jen", "jenny", "jenna", "jenni"],
    &["jessica", "jess", "jessie"],
    &["john", "jack", "johnny", "jon", "jonny", "ian", "sean", "shaun", "evan"],
    &["jonathan", "jon", "jonny", "johnny", "nathan"],
    &["joseph", "joe", "joey", "jo", "jos"],
    &["josephine", "jo", "josie", "jose", "joey"],
    &["joanne", "joanna", "jo", "joan", "jojo"],
    &["julia", "julie", "jules", "juliet"],
    &["kenneth", "ken", "kenny"],
    &["laurence", "lawrence", "larry", "laurie", "lawrie", "lol"],
    &["leonard", "len", "lenny", "leo"],
    &["louise", "louisa", "lou", "lulu", "lou-lou"],
    &["lucy", "lucinda", "lucille", "lu"],
    &["margaret", "maggie", "meg", "megan", "peggy", "peg", "madge", "marge", "margie",
      "maisie", "greta", "rita", "daisy"],
    &["mary", "molly", "polly", "mae", "may", "mamie", "maria", "marie"],
    &["matilda", "tilly", "tillie", "tilda", "maud"],
    &["matthew", "matt", "matty", "mat"],
    &["michael", "mike", "mick", "micky", "mikey", "mickey", "mich"],
    &["nathaniel", "nathan", "nat", "nate"],
    &["nicholas", "nick", "nicky", "nico", "nic"],
    &["nicola", "nicole", "nicki", "nicky", "nikki", "nic"],
    &["oliver", "ollie", "olly", "noll"],
    &["olivia", "liv", "livvy", "ollie", "olive"],
    &["patricia", "pat", "patty", "trish", "tricia", "patsy"],
    &["patrick", "pat", "paddy", "patsy"],
    &["penelope", "penny", "pen"],
    &["peter", "pete", "pip"],
    &["philip", "phillip", "phil", "pip"],
    &["rachel", "rach", "rae"],
    &["raymond", "ray"],
    &["rebecca", "becky", "becca", "bex", "becks"],
    &["reginald", "reg", "reggie", "rex"],
    &["richard", "rich", "richie", "rick", "ricky", "dick", "dicky", "rich"],
    &["robert", "rob", "robbie", "bob", "bobby", "bert", "robin", "rab", "rabbie"],
    &["ronald", "ron", "ronnie"],
    &["rosemary", "rose", "rosie", "rosa", "rosalind", "roz"],
    &["samantha", "sam", "sammy", "sammie"],
    &["samuel", "sam", "sammy", "sammie"],
    &["sarah", "sara", "sally", "sadie", "sal"],
    &["sophia", "sophie", "sofia", "soph"],
    &["stephanie", "steph", "stephie", "steffi"],
    &["stephen", "steven", "steve", "stevie"],
    &["susan", "susannah", "suzanne", "sue", "susie", "suzy", "sukie"],
    &["terence", "terrence", "terry", "tel"],
    &["theodore", "theo", "ted", "teddy"],
    &["thomas", "tom", "tommy", "thom"],
    &["timothy", "tim", "timmy"],
    &["valerie", "val"],
    &["victoria", "vicky", "vicki", "tori", "vic"],
    &["william", "will", "bill", "billy", "willie", "willy", "liam", "wills"],
    &["zachary", "zach", "zack", "zak"],
];

/// Name to the groups it belongs to.
static BY_NAME: LazyLock<HashMap<&'static str, Vec<u16>>> = LazyLock::new(|| {
    let mut map: HashMap<&'static str, Vec<u16>> = HashMap::new();
    for (group, names) in GROUPS.iter().enumerate() {
        for name in *names {
            let groups = map.entry(name).or_default();
            let group = group as u16;
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
    }
    map
});

/// Whether two different first names commonly stand for one another (`bill`
/// and `william`, `kate` and `catherine`, `jack` and `john`). Both must be
/// [`normalise`](crate::normalise)d; a name is not its own nickname.
///
/// ```
/// use patient_matcher::{are_nicknames, normalise};
///
/// assert!(are_nicknames(&normalise("Bill"), &normalise("William")));
/// assert!(are_nicknames("kate", "katherine"));
/// assert!(!are_nicknames("kate", "william"));
/// assert!(!are_nicknames("kate", "kate"));
/// ```
pub fn are_nicknames(a: &str, b: &str) -> bool {
    if a == b {
        return false;
    }
    match (BY_NAME.get(a), BY_NAME.get(b)) {
        (Some(ours), Some(theirs)) => ours.iter().any(|g| theirs.contains(g)),
        _ => false,
    }
}

/// Every name that commonly stands for `name` ([`normalise`](crate::normalise)d),
/// without `name` itself, in table order and without repeats.
///
/// ```
/// use patient_matcher::nicknames_of;
///
/// let forms: Vec<_> = nicknames_of("bill").collect();
/// assert!(forms.contains(&"william") && forms.contains(&"liam"));
/// assert_eq!(nicknames_of("xyzzy").count(), 0);
/// ```
pub fn nicknames_of(name: &str) -> impl Iterator<Item = &'static str> + '_ {
    let groups = BY_NAME.get(name).map(Vec::as_slice).unwrap_or_default();
    let mut seen: Vec<&'static str> = Vec::new();
    groups
        .iter()
        .filter_map(|g| GROUPS.get(usize::from(*g)))
        .flat_map(|names| names.iter().copied())
        .filter(move |other| *other != name)
        .filter(move |other| {
            let new = !seen.contains(other);
            if new {
                seen.push(other);
            }
            new
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise;

    #[test]
    fn table_is_normalised() {
        for group in GROUPS {
            for name in *group {
                assert_eq!(normalise(name), *name, "{name} is not normalised");
            }
        }
    }

    #[test]
    fn nicknames_are_symmetric() {
        for (a, b) in [("bill", "william"), ("peggy", "margaret"), ("al", "alfred")] {
            assert!(are_nicknames(a, b) && are_nicknames(b, a), "{a}/{b}");
        }
        // Two short forms of the same name are also related.
        assert!(are_nicknames("bill", "liam"));
        assert!(!are_nicknames("bill", "bob"));
    }
}
