//! Short names for the widget module's imports (see [`shorten_imports`]), std only.

/// The module name under which wasm-bindgen's `--target web` glue provides the imports.
const GLUE_MODULE: &str = "./nps-widget_bg.js";

fn read_leb(bytes: &[u8], at: &mut usize) -> Result<u32, String> {
    let (mut value, mut shift) = (0u32, 0);
    loop {
        let byte = *bytes.get(*at).ok_or("truncated wasm")?;
        *at += 1;
        value |= u32::from(byte & 0x7f).checked_shl(shift).ok_or("bad LEB128 in wasm")?;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
        shift += 7;
    }
}

fn write_leb(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        out.push(if value == 0 { byte } else { byte | 0x80 });
        if value == 0 {
            return;
        }
    }
}

fn read_name<'a>(bytes: &'a [u8], at: &mut usize) -> Result<&'a str, String> {
    let len = read_leb(bytes, at)? as usize;
    let name = bytes.get(*at..*at + len).ok_or("truncated wasm")?;
    *at += len;
    std::str::from_utf8(name).map_err(|_| "an import name is not UTF-8".to_owned())
}

/// `_` and a base-52 number: a short property name for the `index`-th import.
fn short_name(mut index: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = vec![b'_'];
    loop {
        name.push(LETTERS[index % LETTERS.len()]);
        index /= LETTERS.len();
        if index == 0 {
            return String::from_utf8(name).unwrap_or_default();
        }
    }
}

/// Gives the module's imports short names, in the wasm and in the glue alike. wasm-bindgen
/// names each import like `__wbg_setAttribute_cfa3cb31f271776a`; a hundred of those, written
/// once in the module and once in the glue, are several KB that gzip cannot shrink (the hashes
/// are random). Only the import section is rewritten; every other byte is copied. Fails,
/// rather than guessing, on anything it does not recognise.
pub(crate) fn shorten_imports(wasm: &[u8], glue: &str) -> Result<(Vec<u8>, String), String> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0".as_slice()) {
        return Err("not a wasm module (version 1)".to_owned());
    }
    let mut out = wasm[..8].to_vec();
    let mut glue = glue.to_owned();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        at += 1;
        let size = read_leb(wasm, &mut at)? as usize;
        let body = wasm.get(at..at + size).ok_or("truncated wasm section")?;
        at += size;
        out.push(id);
        if id != 2 {
            write_leb(&mut out, size as u32);
            out.extend_from_slice(body);
            continue;
        }
        let mut section = Vec::with_capacity(size);
        let mut p = 0;
        let count = read_leb(body, &mut p)?;
        write_leb(&mut section, count);
        for index in 0..count as usize {
            let module = read_name(body, &mut p)?;
            let field = read_name(body, &mut p)?;
            let (module, field) = if module == GLUE_MODULE {
                let short = short_name(index);
                // The glue names each import once, as a key of its imports object.
                let key = format!("\n        {field}: ");
                if glue.matches(&key).count() != 1 {
                    return Err(format!("the glue does not name the import {field} exactly once"));
                }
                glue = glue.replace(&key, &format!("\n        {short}: "));
                ("m".to_owned(), short)
            } else {
                (module.to_owned(), field.to_owned())
            };
            let start = p;
            skip_import_description(body, &mut p)?;
            for name in [&module, &field] {
                write_leb(&mut section, name.len() as u32);
                section.extend_from_slice(name.as_bytes());
            }
            section.extend_from_slice(body.get(start..p).ok_or("truncated import")?);
        }
        if p != body.len() {
            return Err("the import section has trailing bytes".to_owned());
        }
        write_leb(&mut out, section.len() as u32);
        out.extend_from_slice(&section);
    }
    let module_key = format!("\"{GLUE_MODULE}\": import0");
    if glue.matches(&module_key).count() != 1 {
        return Err("the glue does not provide its imports as one object; update shorten_imports".to_owned());
    }
    Ok((out, glue.replace(&module_key, "\"m\": import0")))
}

/// Moves `p` past an import's description (function, table, memory, global or tag), which is
/// copied as it is.
fn skip_import_description(body: &[u8], p: &mut usize) -> Result<(), String> {
    let kind = *body.get(*p).ok_or("truncated import")?;
    *p += 1;
    match kind {
        0x00 | 0x04 => {
            if kind == 0x04 {
                *p += 1; // tag attribute
            }
            read_leb(body, p)?;
        }
        0x01 | 0x02 => {
            if kind == 0x01 {
                *p += 1; // reference type
            }
            let flags = *body.get(*p).ok_or("truncated import")?;
            *p += 1;
            if flags > 3 {
                return Err(format!("unknown limits flags {flags:#x} in an import"));
            }
            read_leb(body, p)?;
            if flags & 1 == 1 {
                read_leb(body, p)?;
            }
        }
        0x03 => *p += 2, // value type (single byte without GC types) and mutability
        other => return Err(format!("unknown import kind {other:#x}")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(glue_field: &str) -> Vec<u8> {
        let mut imports = vec![2];
        for (module, field) in [(GLUE_MODULE, glue_field), ("env", "keep_me")] {
            for name in [module, field] {
                write_leb(&mut imports, name.len() as u32);
                imports.extend_from_slice(name.as_bytes());
            }
            imports.extend_from_slice(&[0x00, 0x00]); // a function of type 0
        }
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]); // type section: () -> ()
        wasm.push(2);
        write_leb(&mut wasm, imports.len() as u32);
        wasm.extend_from_slice(&imports);
        wasm
    }

    #[test]
    fn shortens_the_glue_imports_in_module_and_glue() {
        let name = "__wbg_setAttribute_cfa3cb31f271776a";
        let glue = format!("const import0 = {{\n        {name}: function(a) {{}},\n    }};\n    return {{ \"{GLUE_MODULE}\": import0 }};\n");
        let (wasm, glue) = shorten_imports(&module(name), &glue).expect("shortened");
        assert_eq!(glue, "const import0 = {\n        _a: function(a) {},\n    };\n    return { \"m\": import0 };\n");
        let mut at = 8 + 6 + 1;
        let _size = read_leb(&wasm, &mut at).expect("size");
        assert_eq!(read_leb(&wasm, &mut at), Ok(2));
        let names: Vec<_> = (0..2)
            .map(|_| {
                let pair = (read_name(&wasm, &mut at).expect("module").to_owned(), read_name(&wasm, &mut at).expect("field").to_owned());
                at += 2;
                pair
            })
            .collect();
        assert_eq!(names, [("m".to_owned(), "_a".to_owned()), ("env".to_owned(), "keep_me".to_owned())]);
        assert_eq!(at, wasm.len());
        assert!(shorten_imports(&module(name), "no such key").is_err(), "a glue it does not understand is refused");
        assert_eq!(short_name(0), "_a");
        assert_eq!(short_name(52), "_ab");
    }
}
