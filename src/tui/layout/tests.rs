//! Layout invariants at the sizes people use.

use super::*;

const FACTS: Facts = Facts {
    cores: 16,
    gpus: 2,
    disks: 2,
    networks: 2,
};

fn layout(width: u16, height: u16, facts: &Facts) -> DashboardLayout {
    DashboardLayout::compute(Rect::new(0, 0, width, height), facts)
}

#[test]
fn panels_fit_and_do_not_overlap() {
    for (width, height) in [
        (80, 24),
        (100, 30),
        (120, 40),
        (160, 48),
        (300, 90),
        (60, 15),
    ] {
        for gpus in [0, 1, 2, 8] {
            let facts = Facts { gpus, ..FACTS };
            let l = layout(width, height, &facts);
            let area = Rect::new(0, 0, width, height);
            assert_eq!(l.panels.len(), 6);
            for (i, (panel, rect)) in l.panels.iter().enumerate() {
                assert_eq!(
                    area.intersection(*rect),
                    *rect,
                    "{panel:?} outside at {width}x{height}"
                );
                assert!(!rect.intersects(l.header) && !rect.intersects(l.footer));
                for (other, o) in &l.panels[i + 1..] {
                    assert!(
                        !rect.intersects(*o),
                        "{panel:?} overlaps {other:?} at {width}x{height}"
                    );
                }
            }
        }
    }
}

#[test]
fn compact_at_80x24_leaves_room_for_processes() {
    let l = layout(80, 24, &FACTS);
    assert_eq!(l.chrome, Chrome::Rule);
    assert!(l.page(Panel::Processes, &FACTS) >= 4, "{l:#?}");
    assert_eq!(l.gpus.visible_cards(), 2, "both GPUs visible");
    let cpu = l.inner(Panel::Cpu);
    assert!(cpu.height >= 3);
}

#[test]
fn large_terminals_box_the_panels_and_grow_them() {
    let medium = layout(160, 48, &FACTS);
    let large = layout(300, 90, &FACTS);
    assert_eq!(medium.chrome, Chrome::Boxed);
    assert!(medium.gpus.boxed && medium.gpus.columns == 2);
    assert!(large.inner(Panel::Cpu).height > medium.inner(Panel::Cpu).height);
    assert!(large.inner(Panel::Cpu).width > medium.inner(Panel::Cpu).width);
    assert!(large.page(Panel::Processes, &FACTS) > medium.page(Panel::Processes, &FACTS));
}

#[test]
fn many_gpus_shrink_before_processes_vanish() {
    let facts = Facts { gpus: 8, ..FACTS };
    let l = layout(80, 24, &facts);
    assert!(l.page(Panel::Processes, &facts) >= 2, "{l:#?}");
    assert_eq!(l.gpus.lines, 1);
    let l = layout(160, 48, &facts);
    assert!(l.page(Panel::Processes, &facts) >= 10, "{l:#?}");
}

#[test]
fn neighbours_follow_the_geometry() {
    let narrow = layout(80, 24, &FACTS);
    assert_eq!(narrow.neighbour(Panel::Cpu, 1, 0), Some(Panel::Memory));
    assert_eq!(narrow.neighbour(Panel::Memory, -1, 0), Some(Panel::Cpu));
    assert_eq!(narrow.neighbour(Panel::Cpu, -1, 0), None);
    assert_eq!(narrow.neighbour(Panel::Cpu, 0, 1), Some(Panel::Gpus));
    assert_eq!(narrow.neighbour(Panel::Gpus, 0, 1), Some(Panel::Disks));
    assert_eq!(
        narrow.neighbour(Panel::Network, 0, 1),
        Some(Panel::Processes)
    );
    assert_eq!(
        narrow.neighbour(Panel::Processes, 0, -1),
        Some(Panel::Disks)
    );
    let wide = layout(160, 48, &FACTS);
    assert_eq!(wide.neighbour(Panel::Memory, 1, 0), Some(Panel::Network));
    assert_eq!(wide.neighbour(Panel::Processes, 1, 0), Some(Panel::Disks));
    assert_eq!(wide.neighbour(Panel::Disks, 0, -1), Some(Panel::Gpus));
}

#[test]
fn list_split_puts_the_chart_where_there_is_room() {
    let tall = ListSplit::new(Rect::new(0, 0, 40, 10), 2, Chrome::Boxed);
    assert!(tall.header);
    assert_eq!(tall.list.height, 3);
    assert_eq!(tall.chart.map(|c| c.height), Some(7));
    let wide = ListSplit::new(Rect::new(0, 0, 80, 3), 3, Chrome::Rule);
    assert_eq!(wide.rows(), 3);
    assert!(wide.chart.is_some_and(|c| c.x > wide.list.right()));
    let small = ListSplit::new(Rect::new(0, 0, 39, 3), 3, Chrome::Rule);
    assert_eq!((small.rows(), small.chart), (3, None));
}
