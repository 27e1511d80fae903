"""Published facts and real names the Huế demo city is built from.

Ward names, populations, areas and centres are the 2025 ward-level units as published
(``data/hue/FACTS.md``); dam parameters and gauge alarm levels likewise, with the
numbers that are *not* published marked ``synthetic``. River courses, bridges and road
positions are hand-placed approximations in WGS 84 (lon, lat) of where they are in Huế.
"""

from __future__ import annotations

__all__ = [
    "ALLEY_ON",
    "ARTERIALS",
    "BANK_ROAD_NAMES",
    "CORE_BRIDGES",
    "DAMS",
    "GAUGES",
    "RAIN_GAUGES",
    "RIVERS",
    "STATIONS",
    "STREET_NAMES",
    "WARDS",
]

#: The 40 ward-level units since 1 July 2025: (kind, name, area km², population, lon, lat).
WARDS: tuple[tuple[str, str, float, int, float, float], ...] = (
    ("phuong", "An Cựu", 16.71, 55305, 107.6085, 16.4396),
    ("phuong", "Dương Nỗ", 20.63, 31692, 107.6031, 16.5208),
    ("phuong", "Hóa Châu", 34.6, 41328, 107.5711, 16.5321),
    ("phuong", "Hương An", 19.43, 35885, 107.5372, 16.4809),
    ("phuong", "Hương Thủy", 33.93, 29192, 107.6809, 16.4039),
    ("phuong", "Hương Trà", 83.28, 29979, 107.4235, 16.4352),
    ("phuong", "Kim Long", 90.14, 48999, 107.5430, 16.4001),
    ("phuong", "Kim Trà", 42.8, 36296, 107.5188, 16.5009),
    ("phuong", "Mỹ Thượng", 28.83, 44736, 107.6261, 16.5008),
    ("phuong", "Phong Dinh", 87.17, 28012, 107.3551, 16.6448),
    ("phuong", "Phong Phú", 60.85, 19057, 107.4075, 16.6973),
    ("phuong", "Phong Quảng", 41.7, 25728, 107.4855, 16.6479),
    ("phuong", "Phong Thái", 187.02, 37406, 107.3818, 16.4665),
    ("phuong", "Phong Điền", 592.48, 27862, 107.2275, 16.5089),
    ("phuong", "Phú Bài", 344.63, 38410, 107.6182, 16.3016),
    ("phuong", "Phú Xuân", 10.38, 130247, 107.5832, 16.4844),
    ("phuong", "Thanh Thủy", 48.92, 43569, 107.6314, 16.4195),
    ("phuong", "Thuận An", 36.48, 54846, 107.6244, 16.5559),
    ("phuong", "Thuận Hóa", 7.57, 98923, 107.5825, 16.4538),
    ("phuong", "Thủy Xuân", 37.03, 43373, 107.5935, 16.3994),
    ("phuong", "Vỹ Dạ", 8.93, 49684, 107.6118, 16.4757),
    ("xa", "A Lưới 1", 198.59, 12403, 107.1519, 16.3459),
    ("xa", "A Lưới 2", 97.62, 20496, 107.2045, 16.2572),
    ("xa", "A Lưới 3", 154.23, 8976, 107.2501, 16.2079),
    ("xa", "A Lưới 4", 233.65, 10752, 107.3513, 16.1478),
    ("xa", "A Lưới 5", 464.4, 3760, 107.4205, 16.2095),
    ("xa", "Bình Điền", 266.5, 15229, 107.4385, 16.3583),
    ("xa", "Chân Mây - Lăng Cô", 261.38, 50831, 108.0349, 16.2479),
    ("xa", "Hưng Lộc", 95.62, 32586, 107.7121, 16.2966),
    ("xa", "Khe Tre", 256.02, 12882, 107.7596, 16.1567),
    ("xa", "Long Quảng", 215.85, 8883, 107.5867, 16.0934),
    ("xa", "Lộc An", 177.58, 39217, 107.7825, 16.2687),
    ("xa", "Nam Đông", 175.95, 9158, 107.6793, 16.1187),
    ("xa", "Phú Hồ", 57.72, 23550, 107.6799, 16.4692),
    ("xa", "Phú Lộc", 119.3, 28273, 107.8980, 16.2614),
    ("xa", "Phú Vang", 86.19, 39250, 107.7593, 16.4082),
    ("xa", "Phú Vinh", 57.95, 47674, 107.7909, 16.4320),
    ("xa", "Quảng Điền", 45.93, 41798, 107.5234, 16.5557),
    ("xa", "Vinh Lộc", 66.53, 36350, 107.8731, 16.3718),
    ("xa", "Đan Điền", 82.62, 40389, 107.4765, 16.5860),
)

#: River courses, upstream to downstream, as (lon, lat) control points. ``joins`` names the
#: river it flows into; ``half_width_m`` is half the channel width; bed levels in metres.
RIVERS: dict[str, dict[str, object]] = {
    # The Hương proper starts at Tuần where the Tả Trạch and Hữu Trạch meet; upstream of
    # Tuần the same channel is the Tả Trạch, which is where Tả Trạch dam releases enter.
    # Downstream it crosses the Tam Giang lagoon to the sea by the Thuận An inlet, so the
    # carved channel drains all the way to the sea.
    "Hương": {
        "points": (
            (107.6050, 16.3300),
            (107.5990, 16.3650),
            (107.5860, 16.3790),
            (107.5700, 16.3920),
            (107.5630, 16.4050),
            (107.5560, 16.4180),
            (107.5510, 16.4320),
            (107.5470, 16.4450),
            (107.5490, 16.4540),
            (107.5560, 16.4575),
            (107.5660, 16.4580),
            (107.5740, 16.4590),
            (107.5820, 16.4620),
            (107.5890, 16.4650),
            (107.5960, 16.4690),
            (107.6010, 16.4760),
            (107.6030, 16.4860),
            (107.5990, 16.4980),
            (107.5940, 16.5100),
            (107.5905, 16.5220),
            (107.5900, 16.5350),
            (107.5980, 16.5460),
            (107.6060, 16.5560),
            (107.6135, 16.5625),
            (107.6210, 16.5675),
            (107.6260, 16.5720),
            (107.6300, 16.5780),
        ),
        "half_width_m": 120.0,
        "bed_entry_m": 3.0,
        "bed_mouth_m": -4.0,
    },
    "Hữu Trạch": {
        "points": (
            (107.5200, 16.3300),
            (107.5320, 16.3550),
            (107.5450, 16.3680),
            (107.5580, 16.3820),
            (107.5700, 16.3920),
        ),
        "half_width_m": 60.0,
        "bed_entry_m": 4.0,
        "joins": "Hương",
    },
    "Bồ": {
        "points": (
            (107.4300, 16.4950),
            (107.4650, 16.5200),
            (107.4760, 16.5290),
            (107.5000, 16.5400),
            (107.5300, 16.5380),
            (107.5600, 16.5430),
            (107.5800, 16.5380),
            (107.5900, 16.5350),
        ),
        "half_width_m": 60.0,
        "bed_entry_m": 3.5,
        "joins": "Hương",
    },
}

#: Reservoirs (FACTS.md). ``None`` marks a value not published, filled as noted in
#: ``synthetic``. Storage is the volume at normal water level, m³. ``channel`` is the
#: river course of :data:`RIVERS` on which the release enters the flood domain.
DAMS: tuple[dict[str, object], ...] = (
    {
        "dam_id": "ta-trach",
        "name": "Tả Trạch",
        "river": "Tả Trạch",
        "channel": "Hương",
        "lonlat": (107.6150, 16.3150),
        "normal_level_m": 45.0,
        "storage_m3": 646e6,
        "catchment_km2": 717.0,
        "spillway_crest_m": 35.0,
        "spillway_width_m": 65.0,
        "gate_count": 5,
        "dead_level_m": 10.0,
        "synthetic": "spillway crest, width and gate count; storage-level curve",
    },
    {
        "dam_id": "binh-dien",
        "name": "Bình Điền",
        "river": "Hữu Trạch",
        "channel": "Hữu Trạch",
        "lonlat": (107.4900, 16.3150),
        "normal_level_m": 85.0,
        "storage_m3": None,
        "catchment_km2": None,
        "spillway_crest_m": 70.0,
        "spillway_width_m": 48.0,
        "gate_count": 4,
        "dead_level_m": 40.0,
        "synthetic": (
            "storage (not published; 420 million m3 assumed), spillway crest, width and "
            "gate count; storage-level curve"
        ),
    },
    {
        "dam_id": "huong-dien",
        "name": "Hương Điền",
        "river": "Bồ",
        "channel": "Bồ",
        "lonlat": (107.4050, 16.4800),
        "normal_level_m": 58.0,
        "storage_m3": 820.66e6,
        "catchment_km2": 707.0,
        "spillway_crest_m": 42.75,
        "spillway_width_m": 75.0,
        "gate_count": 5,
        "dead_level_m": 18.0,
        "synthetic": "spillway width and gate count; storage-level curve",
    },
)

#: Storage assumed for Bình Điền, whose storage FACTS.md does not give (m³).
BINH_DIEN_STORAGE_M3 = 420e6

#: River gauges: (gauge_id, name, river, lon, lat, BĐ1, BĐ2, BĐ3); None: not known.
GAUGES: tuple[tuple[str, str, str, float, float, float | None, float, float], ...] = (
    ("kim-long", "Kim Long", "Hương", 107.5560, 16.4575, 1.0, 2.0, 3.5),
    # Phú Ốc BĐ1 is uncertain (~1.4-1.5 m, FACTS.md), so it is left unknown.
    ("phu-oc", "Phú Ốc", "Bồ", 107.4760, 16.5290, None, 3.0, 4.5),
)

#: Rain gauges: (gauge_id, name, lon, lat).
RAIN_GAUGES: tuple[tuple[str, str, float, float], ...] = (
    ("rain-hue", "Huế", 107.5825, 16.4538),
    ("rain-phu-bai", "Phú Bài", 107.7030, 16.4010),
    ("rain-thuan-an", "Thuận An", 107.6244, 16.5559),
    ("rain-tu-ha", "Tứ Hạ", 107.4700, 16.5250),
)

#: Bridges over the Hương in the city: (name, fraction of the way along the city stretch).
CORE_BRIDGES: tuple[tuple[str, float], ...] = (
    ("Cầu Bạch Hổ", 0.10),
    ("Cầu Dã Viên", 0.30),
    ("Cầu Phú Xuân", 0.50),
    ("Cầu Trường Tiền", 0.62),
)

#: Roads along the two banks of the Hương in the city, by fraction of the bank's length.
BANK_ROAD_NAMES: dict[str, tuple[tuple[str, float], ...]] = {
    "left": (("Kim Long", 0.30), ("Lê Duẩn", 0.62), ("Trần Hưng Đạo", 0.80), ("Bạch Đằng", 1.0)),
    "right": (("Bùi Thị Xuân", 0.35), ("Lê Lợi", 0.75), ("Nguyễn Sinh Cung", 1.0)),
}

#: Streets named first, nearest the centre of the city (south bank, then north bank).
STREET_NAMES: tuple[str, ...] = (
    "Hùng Vương",
    "Lê Văn Hưu",
    "Nguyễn Huệ",
    "Điện Biên Phủ",
    "Hà Nội",
    "Đinh Tiên Hoàng",
    "Phan Đình Phùng",
    "Bến Nghé",
    "Nguyễn Trường Tộ",
    "Trần Cao Vân",
    "Đống Đa",
    "Lý Thường Kiệt",
    "Bà Triệu",
    "Nguyễn Tri Phương",
    "Phạm Ngũ Lão",
    "Chu Văn An",
    "Võ Thị Sáu",
    "Ngô Quyền",
    "Hai Bà Trưng",
    "Trần Quang Khải",
    "Đội Cung",
    "Nguyễn Khuyến",
    "Phan Chu Trinh",
    "Trường Chinh",
    "Ngự Bình",
    "Trần Phú",
    "Phan Bội Châu",
    "Ngô Đức Kế",
    "Mai Thúc Loan",
    "Đoàn Thị Điểm",
    "Lê Huân",
    "Nguyễn Trãi",
    "Tăng Bạt Hổ",
    "Huỳnh Thúc Kháng",
    "Chi Lăng",
    "Nguyễn Chí Thanh",
    "Lý Thái Tổ",
    "Thái Phiên",
    "Ông Ích Khiêm",
    "Lê Thánh Tôn",
    "Nhật Lệ",
    "Đặng Dung",
    "Yết Kiêu",
    "Hàn Thuyên",
    "Tô Hiến Thành",
    "Trịnh Công Sơn",
    "Phan Đăng Lưu",
    "Ưng Bình",
    "Xuân 68",
    "Trần Nhân Tông",
    "An Dương Vương",
    "Hoàng Diệu",
    "Thạch Hãn",
    "Hồ Đắc Di",
    "Dương Thiệu Tước",
    "Nguyễn Lộ Trạch",
    "Lê Ngô Cát",
    "Thanh Hải",
    "Hoàng Quốc Việt",
    "Trần Thúc Nhẫn",
    "Lâm Hoằng",
    "Phạm Thị Liên",
    "Nguyễn Du",
    "Minh Mạng",
    "Tôn Thất Thiệp",
    "Nguyễn Văn Cừ",
    "Lê Quý Đôn",
    "Nguyễn Thái Học",
    "Phạm Hồng Thái",
    "Trần Quốc Toản",
    "Lê Lai",
    "Nguyễn Công Trứ",
    "Dương Văn An",
    "Võ Liêm Sơn",
    "Hàm Nghi",
    "Duy Tân",
    "Nguyễn Hoàng",
    "Tản Đà",
    "Hồ Xuân Hương",
    "Đào Duy Anh",
    "Lương Ngọc Quyến",
    "Nguyễn Biểu",
    "Phùng Hưng",
    "Mạc Đĩnh Chi",
    "Lê Văn Miến",
    "Hoàng Hoa Thám",
    "Trần Khánh Dư",
    "Lê Hồng Phong",
    "Nguyễn Thị Minh Khai",
    "Trần Bình Trọng",
    "Lý Tự Trọng",
    "Hoàng Văn Thụ",
    "Nguyễn Văn Trỗi",
    "Đào Tấn",
    "Ngô Thì Nhậm",
    "Hồ Tùng Mậu",
    "Phan Huy Chú",
    "Nguyễn Đình Chiểu",
    "Cao Bá Quát",
    "Nguyễn Khoa Chiêm",
    "Tôn Thất Tùng",
    "Hải Triều",
    "Nguyễn Cư Trinh",
    "Ngô Sĩ Liên",
    "Nguyễn Phúc Nguyên",
    "Nguyễn Phúc Lan",
    "Văn Cao",
    "Hoàng Thị Loan",
    "Nguyễn Lương Bằng",
    "Nguyễn Gia Thiều",
    "Bùi Xuân Phái",
    "Lê Minh",
    "Trần Văn Ơn",
    "Phạm Phú Thứ",
    "Nguyễn Văn Siêu",
    "Lê Quang Đạo",
    "Võ Văn Tần",
    "Nguyễn Hữu Thận",
    "Trần Anh Tông",
    "Lý Nam Đế",
    "Nguyễn Văn Linh",
    "Tôn Đức Thắng",
    "Bà Huyện Thanh Quan",
    "Hoài Thanh",
    "Ngô Kha",
    "Lưu Trọng Lư",
    "Hàn Mặc Tử",
)

#: Streets that must carry an alley at a given house number (the dispatch tests call there).
ALLEY_ON: dict[str, tuple[int, ...]] = {"Lê Văn Hưu": (32,)}

#: Arterial roads outside the city centre: (name, waypoints as ward names or (lon, lat)),
#: and the names of their bridges, by the river or water body crossed.
ARTERIALS: tuple[tuple[str, tuple[str | tuple[float, float], ...], dict[str, str]], ...] = (
    (
        "Quốc lộ 1A",
        ((107.4500, 16.5470), (107.4800, 16.5380), "Kim Trà", "Hương An", "Phú Xuân"),
        {"Bồ": "Cầu An Lỗ"},
    ),
    ("Quốc lộ 1A (phía nam)", ("An Cựu", "Thanh Thủy", "Hương Thủy", (107.7280, 16.3860)), {}),
    ("Tự Đức", ("An Cựu", "Thủy Xuân", "Kim Long"), {"Hương": "Cầu Tuần"}),
    ("Tỉnh lộ 12B", ("Hương An", (107.5350, 16.4400), "Kim Long"), {}),
    ("Quốc lộ 49", ("Vỹ Dạ", "Phú Hồ"), {}),
    ("Phạm Văn Đồng", ("Vỹ Dạ", "Mỹ Thượng", "Thuận An"), {"lagoon": "Cầu Thuận An"}),
    ("Tỉnh lộ 10", ("Phú Xuân", "Hóa Châu", "Quảng Điền"), {"Bồ": "Cầu Quảng Thành"}),
    ("Tỉnh lộ 11A", ("Hóa Châu", "Dương Nỗ", "Mỹ Thượng"), {"Hương": "Cầu Sình"}),
    ("Nguyễn Sinh Cung (nối dài)", ("Vỹ Dạ", (107.6070, 16.5000), "Dương Nỗ"), {}),
    ("Tỉnh lộ 3", ("Hương Thủy", "Phú Hồ"), {}),
    ("Võ Nguyên Giáp", ("Thuận Hóa", "Thanh Thủy"), {}),
)

#: Rescue teams: (team_id, name, vehicle, persons carried, status, lon, lat).
STATIONS: tuple[tuple[str, str, str, int, str, float, float], ...] = (
    ("T01", "Đội xuồng cứu hộ Phú Xuân", "boat", 10, "available", 107.5800, 16.4700),
    ("T02", "Đội xuồng cứu hộ Thuận Hóa", "boat", 10, "available", 107.5880, 16.4580),
    ("T03", "Đội ca nô Vỹ Dạ", "boat", 12, "available", 107.6080, 16.4760),
    ("T04", "Đội xuồng cứu hộ Hóa Châu", "boat", 8, "available", 107.5700, 16.5300),
    ("T05", "Đội xuồng cứu hộ Quảng Điền", "boat", 8, "available", 107.5230, 16.5540),
    ("T06", "Đội ca nô Thuận An", "boat", 12, "available", 107.6240, 16.5560),
    ("T07", "Đội xuồng cứu hộ Kim Long", "boat", 8, "off duty", 107.5480, 16.4620),
    ("T08", "Cảnh sát PCCC và CNCH Huế", "truck", 20, "available", 107.5970, 16.4600),
    ("T09", "Đội xe cứu hộ An Cựu", "truck", 20, "available", 107.6080, 16.4400),
    ("T10", "Đội xe cứu hộ Hương Thủy", "truck", 20, "available", 107.6800, 16.4050),
    ("T11", "Đội xe cứu hộ Hương An", "truck", 20, "available", 107.5370, 16.4800),
    ("T12", "Cấp cứu Bệnh viện Trung ương Huế", "ambulance", 4, "available", 107.5900, 16.4610),
    ("T13", "Cấp cứu 115 Huế", "ambulance", 4, "available", 107.6000, 16.4520),
)
