fn main() {
    let src = std::fs::read_to_string(std::env::args().nth(1).unwrap_or_default()).unwrap_or_default();
    match infragen::syntax::kdl::parse(&src) {
        Ok(doc) => {
            for n in doc.nodes.iter().take(3) {
                println!("{} {:?} {:?} {:?}", n.name, n.name_span, n.span, &src[n.span.start..n.span.end()].lines().next());
            }
        }
        Err(d) => println!("{d:#?}"),
    }
}
