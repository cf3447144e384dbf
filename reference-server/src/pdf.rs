//! A small, valid PDF: the customer statement of a contact.

use std::fmt::Write;

/// Text safe inside a PDF string: ASCII only, with `\`, `(` and `)` escaped.
fn pdf_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// One page with the given lines, first one as a heading.
pub fn render(title: &str, lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT\n/F1 18 Tf\n72 760 Td\n");
    let _ = writeln!(content, "({}) Tj", pdf_text(title));
    content.push_str("/F1 11 Tf\n0 -28 Td\n");
    for line in lines {
        let _ = writeln!(content, "({}) Tj\n0 -16 Td", pdf_text(line));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
    ];
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        let _ = write!(pdf, "{} 0 obj\n{body}\nendobj\n", i + 1);
    }
    let xref = pdf.len();
    let _ = write!(pdf, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in offsets {
        let _ = writeln!(pdf, "{o:010} 00000 n ");
    }
    let _ = write!(
        pdf,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    pdf.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_xref_points_at_each_object() {
        let pdf = String::from_utf8(render(
            "Customer statement",
            &["John (Smith) \\ Contoso".to_owned(), "Zoë".to_owned()],
        ))
        .unwrap();
        assert!(pdf.starts_with("%PDF-1.4\n") && pdf.ends_with("%%EOF\n"));
        assert!(pdf.contains("(John \\(Smith\\) \\\\ Contoso) Tj") && pdf.contains("(Zo?) Tj"));
        let xref_at: usize = pdf.lines().rev().nth(1).unwrap().parse().unwrap();
        assert!(pdf[xref_at..].starts_with("xref"));
        for (i, line) in pdf[xref_at..].lines().skip(3).take(5).enumerate() {
            let off: usize = line[..10].parse().unwrap();
            assert!(pdf[off..].starts_with(&format!("{} 0 obj", i + 1)), "object {}", i + 1);
        }
    }
}
